/**
 * A resource isolation policy for preview hosts (after web.dev's "Fetch Metadata" guidance). Previews
 * of one deployment are same-site with each other, so SameSite cookies do not keep one learner's app
 * from sending credentialed requests to another preview that the same browser may open (an
 * instructor's). The proxy answers only navigations, the preview's own requests, and requests from the
 * same preview id's other ports (a front end on one port calling an API on another); everything else
 * is answered like a missing page.
 */
import type { IncomingHttpHeaders } from 'node:http';

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Why the request must be refused, or undefined. `trusted` says whether an origin is this preview's own. */
export function isolationRefusal(headers: IncomingHttpHeaders, trusted: (origin: string) => boolean): string | undefined {
  const origin = one(headers.origin);
  // Origin comes with CORS requests, form posts and every WebSocket handshake: it must be the preview's own.
  if (origin !== undefined) return trusted(origin) ? undefined : `a request from ${origin.slice(0, 80)}`;
  const site = one(headers['sec-fetch-site']);
  if (site === undefined || site === 'same-origin' || site === 'none') return undefined;
  const mode = one(headers['sec-fetch-mode']);
  if (mode === 'navigate' || mode === 'nested-navigate') return undefined;
  const referrer = originOf(one(headers.referer));
  if (referrer && trusted(referrer)) return undefined;
  return `a ${mode ?? 'no-cors'} request from another ${site === 'same-site' ? 'origin of this site' : 'site'}`;
}
