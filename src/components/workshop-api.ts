/**
 * Browser side of the workshop API, shared by the workshop elements: JSON requests with a friendly
 * error, the instructor's credentials (kept in this tab's sessionStorage, never in the address bar after
 * the first load), and time formatting against the server's clock.
 */
import type { BoardSnapshot } from '../../lab-server/workshops/board.ts';
import type { LearnerView } from '../../lab-server/workshops/learners.ts';

export type { BoardSnapshot, LearnerView };
export type BoardRow = BoardSnapshot['roster'][number];

export class ApiError extends Error {
  readonly status: number;
  /** The API's error code (NOT_FOUND, FULL, NAME_TAKEN…), when it gave one. */
  readonly code?: string;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const OFFLINE = 'No lab-server answers. Workshops need a running lab-server: start it with `npm start` and open the address it prints.';

export async function api<T>(path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      credentials: 'same-origin',
      headers: {
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, OFFLINE);
  }
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('application/json') ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
  if (!response.ok) {
    if (!type.includes('application/json') && (response.status === 404 || response.status === 405)) throw new ApiError(response.status, OFFLINE);
    throw new ApiError(response.status, typeof body.error === 'string' ? body.error : `The lab-server answered ${response.status}.`, typeof body.code === 'string' ? body.code : undefined);
  }
  return body as T;
}

/** Downloads a file the API serves only with the Authorization header. */
export async function download(path: string, token: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new ApiError(response.status, `The export failed (${response.status}).`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface Credentials {
  code: string;
  secret: string;
}

const STORE_KEY = 'bulkhead-workshop-instructor';

/** Credentials from `#code=…&secret=…` (then removed from the address bar) or from this tab's storage. */
export function takeCredentials(): Credentials | undefined {
  const hash = new URLSearchParams(location.hash.slice(1));
  const code = hash.get('code')?.toUpperCase();
  const secret = hash.get('secret');
  if (code && secret) {
    saveCredentials({ code, secret });
    history.replaceState(null, '', `${location.pathname}${location.search}#code=${code}`);
    return { code, secret };
  }
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null') as Credentials | null;
    if (saved?.code && saved.secret && (!code || code === saved.code)) return saved;
  } catch {
    // Nothing usable saved.
  }
  return undefined;
}

export function saveCredentials(credentials: Credentials): void {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(credentials));
  } catch {
    // Private mode: the credentials live as long as the page.
  }
}

export function forgetCredentials(): void {
  try {
    sessionStorage.removeItem(STORE_KEY);
  } catch {
    // Nothing saved.
  }
}

/** "2 h 5 min", "4 min", "40 s". */
export function spoken(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${Math.floor(minutes / 60)} h`;
}

export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** A WebSocket URL on this origin. */
export function socketUrl(path: string, ticket: string): string {
  const url = new URL(`${path}?ticket=${encodeURIComponent(ticket)}`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
