/**
 * Where a preview lives, as pure string logic: the host-name scheme `p<port>-<id>.<base>` and the path
 * fallback `/preview/<id>/<port>/`. Parsing is strict (one exact pattern, no leading zeros, ports 1 to
 * 65535) because these strings come from the Host header and the request line, i.e. from anyone.
 */
import { randomBytes } from 'node:crypto';

/** 26 characters of base32 carry 130 random bits; lower-case only, since host names ignore case. */
export const PREVIEW_ID_LENGTH = 26;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const ID = `[a-z2-7]{${PREVIEW_ID_LENGTH}}`;
const PORT = '[1-9][0-9]{0,4}';
const HOST_LABEL = new RegExp(`^p(${PORT})-(${ID})$`);
const PATH_PREFIX = new RegExp(`^/preview/(${ID})/(${PORT})(/.*)?$`);
export const PATH_ROOT = '/preview/';

export interface PreviewAddress {
  id: string;
  port: number;
}

export function newPreviewId(): string {
  const bytes = randomBytes(PREVIEW_ID_LENGTH);
  let id = '';
  for (const byte of bytes) id += BASE32[byte & 31];
  return id;
}

/** A TCP port a preview may name: a decimal integer from 1 to 65535, written without leading zeros. */
export function parsePort(text: string): number | undefined {
  if (!new RegExp(`^${PORT}$`).test(text)) return undefined;
  const port = Number(text);
  return port <= 65_535 ? port : undefined;
}

/** The Host header's name, lower-cased, without its port; undefined when it is not a plain DNS name. */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const match = /^([a-z0-9.-]{1,253})(?::[0-9]{1,5})?$/i.exec(host.trim());
  return match?.[1]?.toLowerCase();
}

/** Whether a Host header names something under the preview domain (a preview or a bad attempt at one). */
export function isUnderPreviewDomain(host: string | undefined, base: string): boolean {
  const name = hostName(host);
  return name !== undefined && name.endsWith(`.${base}`);
}

export function parsePreviewHost(host: string | undefined, base: string): PreviewAddress | undefined {
  const name = hostName(host);
  if (!name?.endsWith(`.${base}`)) return undefined;
  const match = HOST_LABEL.exec(name.slice(0, -base.length - 1));
  const port = match?.[1] ? parsePort(match[1]) : undefined;
  return match?.[2] && port ? { id: match[2], port } : undefined;
}

/** `/preview/<id>/<port>/rest` → the address and `/rest` (always starting with a slash). */
export function parsePreviewPath(pathAndQuery: string): (PreviewAddress & { rest: string }) | undefined {
  const match = PATH_PREFIX.exec(pathAndQuery);
  const port = match?.[2] ? parsePort(match[2]) : undefined;
  if (!match?.[1] || !port) return undefined;
  const rest = match[3] ?? '/';
  return { id: match[1], port, rest: rest.startsWith('/') ? rest : `/${rest}` };
}

export function previewHost(address: PreviewAddress, base: string): string {
  return `p${address.port}-${address.id}.${base}`;
}

export function previewPath(address: PreviewAddress): string {
  return `${PATH_ROOT}${address.id}/${address.port}/`;
}

/**
 * True for a path with a `.` or `..` segment, raw or percent-encoded, or a backslash. Browsers never
 * send these (they resolve them first); only a hand-made request does, to confuse a prefix match.
 */
export function hasDotSegment(pathAndQuery: string): boolean {
  const path = pathAndQuery.split('?')[0] ?? '';
  if (/\\|%5c/i.test(path)) return true;
  return path.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}
