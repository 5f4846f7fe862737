/**
 * The preview's routes on the course's own origin, where the learner cookie is:
 *
 *   GET /api/preview?lab=<slug>                 the ports listening in the learner's session of that lab
 *   GET /api/preview/open?id=<id>&port=<port>   checks the viewer, then sends the browser to the preview
 *   GET /api/preview/open?lab=<slug>&port=<port>  the same for the learner's own session of a lab
 *
 * `open` is a navigation (the lab pane's "Open preview" link); in the host-name scheme it hands the
 * browser a one-time ticket that the preview host redeems (see preview.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { learnerOf } from '../http/cookies.ts';
import type { Session } from '../sessions/session.ts';
import type { PreviewAccess } from './access.ts';
import type { ListeningPort, ListeningPorts } from './listening.ts';
import { parsePort, previewHost, previewPath, type PreviewAddress } from './names.ts';
import { sendJson, sendText, type Router } from '../http/router.ts';

export const REDEEM_PATH = '/.bulkhead/preview-auth';
export const NOT_FOUND_TEXT = 'There is no preview here. Previews open from the lab pane of a lesson, while its lab runs, for the learner whose lab it is.';

export type PreviewMode = 'host' | 'path';

/** May this request's browser view another learner's session (an instructor of their workshop)? Returns a viewer id. */
export type AuthorizeViewer = (req: IncomingMessage, session: Session) => Promise<string | undefined> | string | undefined;

export interface ApiContext {
  mode: PreviewMode;
  base: string;
  access: PreviewAccess;
  listing: ListeningPorts;
  sessions: { all(): Session[] };
  /** Each lab's `previewPort`, by slug. */
  previewPorts: Map<string, number | undefined>;
  authorize?: AuthorizeViewer;
}


export function requestProto(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as { encrypted?: boolean }).encrypted || req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
}

/** Where the browser goes to see a preview: its own origin (host scheme) or a path here (path scheme). */
export function previewUrl(ctx: ApiContext, req: IncomingMessage, address: PreviewAddress): string {
  if (ctx.mode === 'path') return previewPath(address);
  const port = /:(\d{1,5})$/.exec(req.headers.host ?? '')?.[1];
  return `${requestProto(req)}://${previewHost(address, ctx.base)}${port ? `:${port}` : ''}`;
}

function ownSession(ctx: ApiContext, learner: string | undefined, lab: string): Session | undefined {
  if (!learner) return undefined;
  return ctx.sessions.all().find((s) => s.learner === learner && s.lab.id === lab && s.state !== 'expired');
}

async function listing(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const lab = url.searchParams.get('lab') ?? '';
  if (!ctx.previewPorts.has(lab)) return sendJson(res, 404, { error: `There is no lab called "${lab.slice(0, 40)}".` });
  const previewPort = ctx.previewPorts.get(lab) ?? null;
  const session = ownSession(ctx, learnerOf(req), lab);
  const id = session ? ctx.access.idFor(session.id) : undefined;
  if (!session || !id) return sendJson(res, 200, { running: false, previewPort, ports: [] });
  let ports: ListeningPort[] = [];
  let error: string | undefined;
  try {
    ports = await ctx.listing.list(session.id);
  } catch {
    error = 'The listening ports could not be read just now; they show again on the next refresh.';
  }
  const open = (port: number) => `/api/preview/open?id=${id}&port=${port}`;
  return sendJson(res, 200, {
    running: true, previewPort, error,
    ports: ports.map((p) => ({ ...p, open: open(p.port) })),
    ...(previewPort ? { previewOpen: open(previewPort) } : {}),
  });
}

async function open(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const port = parsePort(url.searchParams.get('port') ?? '');
  const learner = learnerOf(req);
  const lab = url.searchParams.get('lab');
  const id = lab !== null ? (() => { const s = ownSession(ctx, learner, lab); return s ? ctx.access.idFor(s.id) : undefined; })() : url.searchParams.get('id') ?? undefined;
  const session = id ? ctx.access.sessionOf(id) : undefined;
  if (!port || !id || !session) return sendText(res, 404, NOT_FOUND_TEXT);
  let viewer = learner && session.learner === learner ? learner : undefined;
  // Another learner's app on the course's own origin (the path scheme) could act as its viewer there: owners only.
  if (!viewer && ctx.mode === 'host' && ctx.authorize) viewer = await ctx.authorize(req, session);
  if (!viewer) return sendText(res, 404, NOT_FOUND_TEXT);
  const target = previewUrl(ctx, req, { id, port });
  const location = ctx.mode === 'path' ? target : `${target}${REDEEM_PATH}?ticket=${ctx.access.issueTicket(id, port, viewer)}`;
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).end();
}

/** Registers /api/preview and /api/preview/open. */
export function previewRoutes(router: Router, ctx: ApiContext): void {
  router.route('GET', '/api/preview', (req, res, { url }) => listing(ctx, req, res, url));
  router.route('GET', '/api/preview/open', (req, res, { url }) => open(ctx, req, res, url));
}
