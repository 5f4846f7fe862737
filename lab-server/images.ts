/**
 * The lab image catalog, shared by `npm run images` (which builds) and the lab-server (which starts
 * sandboxes). An image is addressed by a tag derived from its folder's content, so the server always
 * runs exactly what the checked-out Dockerfiles describe and a stale image is never mistaken for a
 * current one. See docs/images.md.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.ts';

export type LabImageName = 'shell' | 'web' | 'redis' | 'app';

export interface LabImage {
  readonly name: LabImageName;
  /** Absolute path of the build context, `lab-images/<name>`. */
  readonly dir: string;
  /**
   * Human tag naming the packaged software at the precision Debian trixie keeps stable (point
   * releases only bring fixes). Each Dockerfile declares the same value as `ARG VERSION` and fails its
   * build if the installed package disagrees, so the tag cannot drift silently.
   */
  readonly version: string;
  /** One line for the summary table and the docs. */
  readonly purpose: string;
}

export const IMAGE_REPO_PREFIX = 'bulkhead/';
export const BASE_IMAGE = 'debian:trixie-slim';
/** Every image built by `npm run images` carries this label with its catalog name. */
export const IMAGE_LABEL = 'bulkhead.image';
/** 48 bits: collisions between versions of one small folder are not a practical concern. */
export const CONTENT_HASH_HEX_CHARS = 12;
export const HASH_TAG_PATTERN = /^sha-[0-9a-f]{12}$/;

const IMAGES_ROOT = fileURLToPath(new URL('../lab-images/', import.meta.url));

export const LAB_IMAGES: readonly LabImage[] = [
  { name: 'shell', dir: join(IMAGES_ROOT, 'shell'), version: 'docker-26.1', purpose: 'learner sandbox: bash, docker CLI + compose, namespace and capability tools' },
  { name: 'web', dir: join(IMAGES_ROOT, 'web'), version: 'nginx-1.26', purpose: 'non-root nginx on :8080 for the inspect and hardening lessons' },
  { name: 'redis', dir: join(IMAGES_ROOT, 'redis'), version: 'redis-8.0', purpose: 'non-root redis on :6379 for the Compose lesson' },
  { name: 'app', dir: join(IMAGES_ROOT, 'app'), version: 'node-20.19', purpose: 'tiny Node.js hit counter on :3000 backed by redis' },
];

export interface ImageRefs {
  /** `bulkhead/<name>:sha-<12 hex>`: what the lab-server runs; changes whenever the folder does. */
  hashTag: string;
  /** `bulkhead/<name>:<version>`: for people; moves to the newest build of that version. */
  readableTag: string;
}

export function labImage(name: LabImageName): LabImage {
  const image = LAB_IMAGES.find((candidate) => candidate.name === name);
  if (!image) throw new LabError('IMAGE_MISSING', `There is no lab image named ${name}; the lab images are ${LAB_IMAGES.map((i) => i.name).join(', ')}.`);
  return image;
}

/** The build context: every regular file under `dir`, as sorted `/`-separated relative paths. */
export async function contextFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * sha256 over the base image name and every file's relative path and bytes, in sorted path order, so
 * the result depends on content only (not on mtimes, checkout order or the platform's separator).
 * Lengths are hashed before each field so that moving bytes between a name and a body changes the hash.
 */
export async function contentHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const field = (data: string | Buffer) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  };
  field(BASE_IMAGE);
  for (const file of await contextFiles(dir)) {
    field(file);
    field(await readFile(join(dir, file)));
  }
  return hash.digest('hex').slice(0, CONTENT_HASH_HEX_CHARS);
}

export async function imageRefs(name: LabImageName): Promise<ImageRefs> {
  const image = labImage(name);
  const repo = `${IMAGE_REPO_PREFIX}${image.name}`;
  return { hashTag: `${repo}:sha-${await contentHash(image.dir)}`, readableTag: `${repo}:${image.version}` };
}
