/**
 * What crosses the proxy in headers, both ways. Towards the app: the browser's end-to-end headers,
 * never Bulkhead's own cookies, never a client's claim about forwarding. Towards the browser: the app's
 * headers, minus hop-by-hop ones, with cookies kept on the preview's own host (no `Domain`, so one
 * learner's app cannot set cookies for another's preview) and, in the path scheme, under its own path.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Bulkhead's cookies (the learner id, the preview credential) start with this; an app never sees or sets them. */
export const OWN_COOKIE_PREFIX = 'bh_';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const CLIENT_CLAIMS = /^(?:x-forwarded-|x-real-ip$|forwarded$)/;

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  return new Set((Array.isArray(value) ? value.join(',') : value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/** The Cookie header without Bulkhead's cookies; undefined when nothing is left. */
export function appCookies(cookie: string | undefined): string | undefined {
  const kept = (cookie ?? '').split(';').map((c) => c.trim()).filter((c) => c && !c.toLowerCase().startsWith(OWN_COOKIE_PREFIX));
  return kept.length ? kept.join('; ') : undefined;
}

export interface ForwardFacts {
  /** The Host the browser asked for, passed on so the app builds correct absolute links. */
  host: string;
  clientAddress: string;
  proto: 'http' | 'https';
  /** True for a WebSocket handshake, which keeps its Upgrade and Connection headers. */
  upgrade: boolean;
}

export function requestHeaders(incoming: IncomingHttpHeaders, facts: ForwardFacts): OutgoingHttpHeaders {
  const drop = connectionTokens(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.has(name) || CLIENT_CLAIMS.test(name) || name === 'host' || name === 'cookie') continue;
    out[name] = value;
  }
  const cookie = appCookies(incoming.cookie);
  if (cookie) out.cookie = cookie;
  out.host = facts.host;
  out['x-forwarded-for'] = facts.clientAddress;
  out['x-forwarded-host'] = facts.host;
  out['x-forwarded-proto'] = facts.proto;
  if (facts.upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = incoming.upgrade ?? 'websocket';
  }
  return out;
}

/** One Set-Cookie value rewritten for the preview, or undefined when it must be dropped. */
export function rewriteSetCookie(value: string, pathPrefix?: string): string | undefined {
  const [pair = '', ...attributes] = value.split(';');
  const name = pair.split('=')[0]?.trim() ?? '';
  if (!name || name.toLowerCase().startsWith(OWN_COOKIE_PREFIX) || /^__(?:host|secure)-bh_/i.test(name)) return undefined;
  const kept = attributes.map((a) => a.trim()).filter((a) => a && !/^domain\s*=/i.test(a) && !(pathPrefix && /^path\s*=/i.test(a)));
  if (pathPrefix) {
    const original = attributes.map((a) => a.trim()).find((a) => /^path\s*=/i.test(a))?.split('=')[1]?.trim() ?? '/';
    kept.push(`Path=${pathPrefix.replace(/\/$/, '')}${original.startsWith('/') ? original : '/'}`);
  }
  return [pair.trim(), ...kept].join('; ');
}

/** The app's response headers as the browser gets them. `pathPrefix` is set in the path scheme only. */
export function responseHeaders(incoming: IncomingHttpHeaders, pathPrefix?: string): OutgoingHttpHeaders {
  const drop = connectionTokens(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.has(name)) continue;
    if (name === 'set-cookie') {
      const cookies = (Array.isArray(value) ? value : [value]).map((c) => rewriteSetCookie(c, pathPrefix)).filter((c): c is string => c !== undefined);
      if (cookies.length) out[name] = cookies;
      continue;
    }
    if (name === 'location' && pathPrefix && typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) {
      out[name] = `${pathPrefix.replace(/\/$/, '')}${value}`;
      continue;
    }
    out[name] = value;
  }
  return out;
}
