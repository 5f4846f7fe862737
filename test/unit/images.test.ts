import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_IMAGE, IMAGE_REPO_PREFIX, LAB_IMAGES, contentHash, imageRefs } from '../../lab-server/images.ts';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes the files in the given order, so two folders can hold the same content created differently. */
async function folder(files: ReadonlyArray<[string, string]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bulkhead-images-test-'));
  made.push(dir);
  for (const [path, text] of files) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const SAMPLE: ReadonlyArray<[string, string]> = [['Dockerfile', 'FROM debian:trixie-slim\n'], ['conf/app.conf', 'port 1\n']];

describe('contentHash', () => {
  it('is 12 hex characters and the same for the same content, whatever order the files were written in', async () => {
    const first = await contentHash(await folder(SAMPLE));
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    expect(await contentHash(await folder([...SAMPLE].reverse()))).toBe(first);
  });

  it('changes when a file changes, is renamed or is added', async () => {
    const dir = await folder(SAMPLE);
    const before = await contentHash(dir);
    await writeFile(join(dir, 'conf/app.conf'), 'port 2\n');
    const edited = await contentHash(dir);
    expect(edited).not.toBe(before);
    expect(await contentHash(await folder([SAMPLE[0]!, ['conf/other.conf', 'port 1\n']]))).not.toBe(before);
    await writeFile(join(dir, 'extra.txt'), '');
    expect(await contentHash(dir)).not.toBe(edited);
  });

  it('does not confuse bytes moved between a file name and its content', async () => {
    const a = await folder([['ab', 'c']]);
    const b = await folder([['a', 'bc']]);
    expect(await contentHash(a)).not.toBe(await contentHash(b));
  });
});

describe('lab image catalog', () => {
  it('tags every image by content hash and by version, never latest', async () => {
    for (const image of LAB_IMAGES) {
      const { hashTag, readableTag } = await imageRefs(image.name);
      expect(hashTag).toMatch(new RegExp(`^${IMAGE_REPO_PREFIX}${image.name}:sha-[0-9a-f]{12}$`));
      expect(readableTag).toBe(`${IMAGE_REPO_PREFIX}${image.name}:${image.version}`);
      // The readable tag is whatever the catalog says, so "never latest" is a rule on the catalog: it pins
      // the software and its version (a moving tag like latest, or an empty one, would pass the line above).
      expect(image.version, image.name).toMatch(/^[a-z][a-z0-9]*-\d+(\.\d+)+$/);
    }
  });

  it('has Dockerfiles that build on the base, declare the catalog version and run as a non-root numeric user', async () => {
    for (const image of LAB_IMAGES) {
      const dockerfile = await readFile(join(image.dir, 'Dockerfile'), 'utf8');
      expect(dockerfile, image.name).toMatch(new RegExp(`^FROM ${BASE_IMAGE}$`, 'm'));
      expect(dockerfile, image.name).toMatch(new RegExp(`^ARG VERSION=${image.version}$`, 'm'));
      const users = [...dockerfile.matchAll(/^USER (\d+):(\d+)$/gm)];
      expect(users.length, image.name).toBe(1);
      expect(Number(users[0]![1]), image.name).toBeGreaterThan(0);
    }
  });
});
