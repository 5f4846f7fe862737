/**
 * The request line and framing headers, read the way the engine's router reads them (Go net/http and
 * gorilla/mux: optional `/v1.xx` prefix, percent-decoding of the whole path, `%2F` becoming a `/`), and
 * then refused unless canonical. The gate routes on the decoded path and forwards a path it encodes
 * itself, so the engine can never route a request differently from the way the gate judged it.
 */
import { badRequest, GateRefusal } from './refusal.ts';

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

/** The oldest API version the gate speaks: older versions read HostConfig from `start` and other legacy shapes. */
export const MIN_API_VERSION = '1.40';
const MAX_TARGET_CHARS = 8 * 1024;
const MAX_QUERY_PARAMS = 32;

export interface ParsedTarget {
  method: Method;
  /** `1.41`, or null when the client sent no version prefix. */
  version: string | null;
  /** Decoded, canonical path without the version prefix, e.g. `/containers/web/json`. */
  path: string;
  query: Map<string, string>;
}

export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

function decodeComponent(raw: string, what: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(raw)) throw badRequest(`the ${what} has a malformed percent-escape.`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badRequest(`the ${what} does not decode to UTF-8.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decoded)) throw badRequest(`the ${what} contains control characters.`);
  return decoded;
}

export function parseTarget(rawMethod: string, rawTarget: string): ParsedTarget {
  if (!(METHODS as readonly string[]).includes(rawMethod)) {
    throw new GateRefusal('METHOD', `Bulkhead lab: the HTTP method ${JSON.stringify(rawMethod.slice(0, 16))} is not accepted by the lab's Docker gate (methods are case-sensitive: ${METHODS.join(', ')}).`);
  }
  const method = rawMethod as Method;
  if (rawTarget.length > MAX_TARGET_CHARS) throw new GateRefusal('URI_TOO_LONG', 'Bulkhead lab: the request URL is too long.');
  if (!rawTarget.startsWith('/')) throw badRequest('the request target must be a path starting with "/" (no absolute URLs).');
  if (!/^[\x21-\x7e]+$/.test(rawTarget) || rawTarget.includes('#')) throw badRequest('the request target contains characters a URL may not contain.');
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q === -1 ? '' : rawTarget.slice(q + 1);

  const decoded = decodeComponent(rawPath, 'path');
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..') && decoded !== '/') {
    throw badRequest(`the path ${JSON.stringify(decoded)} is not canonical (empty, "." or ".." segments, or a trailing "/"); the Docker Engine would clean and redirect it, the lab's gate refuses it.`);
  }
  let version: string | null = null;
  let path = decoded;
  const versioned = /^\/v([0-9]+\.[0-9]+)(\/.*)$/.exec(decoded);
  if (versioned) {
    version = versioned[1]!;
    path = versioned[2]!;
    if (!/^[1-9][0-9]?\.[0-9]{1,3}$/.test(version)) throw badRequest(`the API version ${version} is not understood.`);
    if (compareVersions(version, MIN_API_VERSION) < 0) {
      throw badRequest(`client version ${version} is too old. Minimum supported API version by the lab's gate is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
    }
  } else if (/^\/v[0-9.]*(\/|$)/.test(decoded)) {
    throw badRequest('the API version prefix is malformed (expected /v<major>.<minor>/...).');
  }
  return { method, version, path, query: parseQuery(rawQuery) };
}

/**
 * Query strings as Go's url.ParseQuery reads them (`+` is a space), but refusing what Go would read
 * differently from a proxy: `;` separators, repeated keys, malformed escapes.
 */
export function parseQuery(raw: string): Map<string, string> {
  const query = new Map<string, string>();
  if (raw === '') return query;
  if (raw.includes(';')) throw badRequest('the query string contains ";", which the Docker Engine does not accept as a separator.');
  const pairs = raw.split('&');
  if (pairs.length > MAX_QUERY_PARAMS) throw badRequest('the query string has too many parameters.');
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '), 'query');
    const value = decodeComponent((eq === -1 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' '), 'query');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(key)) throw badRequest(`the query parameter name ${JSON.stringify(key.slice(0, 40))} is not understood.`);
    if (query.has(key)) throw badRequest(`the query parameter "${key}" appears twice; the engine would read only the first, the gate refuses the ambiguity.`);
    query.set(key, value);
  }
  return query;
}

export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' };

/**
 * How the body is delimited, from the raw header list (Node has already refused the grossest
 * conflicts). One Content-Length of digits, or exactly `Transfer-Encoding: chunked`, never both.
 */
export function bodyFraming(rawHeaders: readonly string[]): BodyFraming {
  const lengths: string[] = [];
  const encodings: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name === 'content-length') lengths.push(rawHeaders[i + 1]!);
    if (name === 'transfer-encoding') encodings.push(rawHeaders[i + 1]!);
  }
  if (lengths.length > 1 || encodings.length > 1) throw badRequest('the request repeats Content-Length or Transfer-Encoding.');
  if (lengths.length && encodings.length) throw badRequest('the request has both Content-Length and Transfer-Encoding.');
  if (encodings.length) {
    if (encodings[0]!.trim().toLowerCase() !== 'chunked') throw badRequest('the only Transfer-Encoding the gate accepts is "chunked".');
    return { kind: 'chunked' };
  }
  if (lengths.length) {
    const value = lengths[0]!.trim();
    if (!/^[0-9]{1,12}$/.test(value)) throw badRequest('the Content-Length is malformed.');
    const length = Number(value);
    return length === 0 ? { kind: 'none' } : { kind: 'length', length };
  }
  return { kind: 'none' };
}

export function headerValue(rawHeaders: readonly string[], wanted: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === wanted) return rawHeaders[i + 1];
  }
  return undefined;
}
