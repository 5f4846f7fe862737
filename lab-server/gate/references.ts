/**
 * Image references, parsed by the distribution grammar and reduced to Docker's familiar form
 * (`docker.io/library/debian:trixie-slim` is `debian:trixie-slim`), so that the allowlist compares like
 * with like.
 */
import { badRequest } from './refusal.ts';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$`);
const MAX_REF_CHARS = 255;

export interface ImageRef {
  /** Familiar repository: `debian`, `bulkhead/web`, `registry.example:5000/team/app`. */
  repo: string;
  /** Tag, or undefined when the reference names a digest only or no tag at all. */
  tag?: string;
  digest?: string;
}

export function parseImageRef(raw: string): ImageRef {
  if (raw.length > MAX_REF_CHARS) throw badRequest('the image reference is too long.');
  const match = REFERENCE.exec(raw);
  if (!match) throw badRequest(`invalid reference format: ${JSON.stringify(raw.slice(0, 80))} (repository names must be lowercase).`);
  let domain: string | undefined = match[1];
  let path = match[2]!;
  // Docker's rule: the first component is a registry only if it looks like a host.
  if (domain !== undefined && !/[.:]/.test(domain) && domain !== 'localhost' && domain.toLowerCase() === domain) {
    path = `${domain}/${path}`;
    domain = undefined;
  }
  if (domain === 'docker.io' || domain === 'index.docker.io') domain = undefined;
  if (domain === undefined && path.startsWith('library/') && path.split('/').length === 2) path = path.slice('library/'.length);
  const repo = domain ? `${domain}/${path}` : path;
  return { repo, ...(match[3] !== undefined ? { tag: match[3] } : {}), ...(match[4] !== undefined ? { digest: match[4] } : {}) };
}

/** `repo:tag` with the default tag, or `repo@digest`. */
export function familiar(ref: ImageRef): string {
  if (ref.digest && ref.tag === undefined) return `${ref.repo}@${ref.digest}`;
  return `${ref.repo}:${ref.tag ?? 'latest'}`;
}

/** An image id or an unambiguous prefix of one, as `docker rmi 8feb259a2bda` takes. */
export function looksLikeImageId(raw: string): boolean {
  return /^(sha256:)?[0-9a-f]{12,64}$/.test(raw);
}

/** Whether `ref` is allowed by an allowlist entry: `repo` allows every tag, `repo:tag` one. */
export function allowlisted(allowlist: readonly string[], ref: string): boolean {
  const parsed = parseImageRef(ref);
  return allowlist.some((entry) => {
    const allowed = parseImageRef(entry);
    if (allowed.repo !== parsed.repo) return false;
    return allowed.tag === undefined || allowed.tag === (parsed.tag ?? 'latest');
  });
}
