/**
 * The workshop HTTP API. Learner routes use the learner cookie and must come from an allowed Origin;
 * instructor routes need `Authorization: Bearer <instructor secret or organizer key>` (a header no other
 * site can make a browser send, so they need no Origin check, and the CLI can call them).
 *
 *   POST /api/workshop/join                  {code, name}                    learner takes (or renames) a seat
 *   GET  /api/workshop/me                                                     the learner's workshop, or {workshop: null}
 *   POST /api/workshops                      {title, lessons, seats, duration, startsIn?}   organizer
 *   GET  /api/workshops                                                       organizer: every workshop
 *   GET  /api/workshops/:code                                                 instructor: the board
 *   POST /api/workshops/:code/tickets        {purpose: board|shadow, seat?, lab?}   a WebSocket ticket
 *   POST /api/workshops/:code/broadcast      {message}
 *   POST /api/workshops/:code/extend         {by: "30m"}
 *   POST /api/workshops/:code/end
 *   GET  /api/workshops/:code/export?format=csv|json
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ensureLearner, learnerOf } from '../http/cookies.ts';
import { isAllowedOrigin } from '../http/origin.ts';
import type { Router } from '../http/router.ts';
import { toCsv } from './export.ts';
import { WorkshopError, statusOf, type Workshop } from './model.ts';
import { bearerToken } from './secrets.ts';
import type { Workshops } from './service.ts';
import type { InstructorTickets } from './tickets.ts';

const MAX_BODY_BYTES = 4 * 1024;
const SEAT_ID = /^[A-Za-z0-9_-]{8,32}$/;
const LAB_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;


function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers }).end(JSON.stringify(body));
  return true;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new WorkshopError('BAD_REQUEST', 413, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // One error below.
  }
  throw new WorkshopError('BAD_REQUEST', 400, 'Request body must be a JSON object.');
}

function ipOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

/** The links an organizer hands out; paths, so the page or the CLI puts its own origin in front. */
export function links(workshop: Workshop, secret?: string): { joinPath: string; instructorPath: string } {
  return {
    joinPath: `/workshop/?code=${workshop.code}`,
    instructorPath: `/workshop/instructor/#code=${workshop.code}${secret ? `&secret=${secret}` : ''}`,
  };
}

function summary(workshop: Workshop, now: number) {
  return {
    code: workshop.code, title: workshop.title, status: statusOf(workshop, now), lessons: workshop.lessons, seats: workshop.seats,
    startsAt: workshop.startsAt, endsAt: workshop.endsAt, ...(workshop.endedAt === undefined ? {} : { endedAt: workshop.endedAt }),
  };
}

export function workshopRoutes(router: Router, service: Workshops, tickets: InstructorTickets, allowedOrigins: readonly string[]): void {
  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === '/api/workshop/me') {
      if (method !== 'GET') return send(res, 405, { error: 'Use GET.' });
      return send(res, 200, service.me(learnerOf(req)) ?? { workshop: null });
    }
    if (path === '/api/workshop/join') {
      if (method !== 'POST') return send(res, 405, { error: 'Use POST.' });
      if (!isAllowedOrigin(req, allowedOrigins)) return send(res, 403, { error: 'Cross-site request refused.' });
      const body = await readBody(req);
      const learner = ensureLearner(req, res);
      service.join(body.code, learner, body.name, ipOf(req));
      return send(res, 200, service.me(learner));
    }
    if (path === '/api/workshops') {
      if (method === 'GET') {
        service.requireOrganizer(bearerToken(req), ipOf(req));
        return send(res, 200, { workshops: service.list() });
      }
      if (method !== 'POST') return send(res, 405, { error: 'Use GET or POST.' });
      service.requireOrganizer(bearerToken(req), ipOf(req));
      const body = await readBody(req);
      const { workshop, secret } = await service.create({
        title: body.title, lessons: body.lessons, seats: body.seats, duration: body.duration, startsIn: body.startsIn,
      });
      return send(res, 201, { workshop: summary(workshop, service.now()), secret, ...links(workshop, secret) });
    }

    const match = /^\/api\/workshops\/([A-Za-z0-9-]{1,16})(?:\/(tickets|broadcast|extend|end|export))?$/.exec(path);
    if (!match) return false;
    const action = match[2] ?? 'board';
    const expected = action === 'board' || action === 'export' ? 'GET' : 'POST';
    if (method !== expected) return send(res, 405, { error: `Use ${expected}.` });
    const workshop = await service.authorize(match[1], bearerToken(req), ipOf(req));
    switch (action) {
      case 'board':
        return send(res, 200, { board: service.board(workshop), ...links(workshop) });
      case 'tickets': {
        const body = await readBody(req);
        if (body.purpose === 'board') return send(res, 201, { ticket: tickets.issue({ purpose: 'board', workshop: workshop.id }) });
        if (body.purpose !== 'shadow') throw new WorkshopError('BAD_REQUEST', 400, 'purpose must be "board" or "shadow".');
        const seat = typeof body.seat === 'string' && SEAT_ID.test(body.seat) ? service.store.seat(body.seat) : undefined;
        if (!seat || seat.workshop !== workshop.id) throw new WorkshopError('NOT_FOUND', 404, 'That seat is not in this workshop.');
        const lab = typeof body.lab === 'string' && LAB_ID.test(body.lab) ? body.lab : undefined;
        return send(res, 201, { ticket: tickets.issue({ purpose: 'shadow', workshop: workshop.id, seat: seat.id, ...(lab ? { lab } : {}) }) });
      }
      case 'broadcast': {
        const body = await readBody(req);
        return send(res, 200, { reached: service.broadcast(workshop, body.message) });
      }
      case 'extend': {
        const body = await readBody(req);
        return send(res, 200, { workshop: summary(service.extend(workshop, body.by), service.now()) });
      }
      case 'end': {
        const ended = await service.end(workshop);
        return send(res, 200, { ...ended, workshop: summary(service.store.byId(workshop.id) ?? workshop, service.now()) });
      }
      default: {
        const format = url.searchParams.get('format') ?? 'json';
        const data = service.exportResults(workshop);
        const file = `workshop-${workshop.code}-results`;
        if (format === 'json') {
          return send(res, 200, data, { 'Content-Disposition': `attachment; filename="${file}.json"` });
        }
        if (format !== 'csv') throw new WorkshopError('BAD_REQUEST', 400, 'format must be csv or json.');
        res.writeHead(200, {
          'Content-Type': 'text/csv; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
          'Content-Disposition': `attachment; filename="${file}.csv"`,
        }).end(toCsv(data));
        return true;
      }
    }
  };

  router.route('*', { prefix: '/api/workshop' }, async (req, res, { url }) => {
    try {
      if (!(await handle(req, res, url))) send(res, 404, { error: 'No such API route.', code: 'NOT_FOUND' });
    } catch (error) {
      if (!(error instanceof WorkshopError)) throw error;
      const headers: Record<string, string> = {};
      if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="bulkhead-workshop"';
      if (error.retryAfterMs !== undefined) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
      send(res, error.status, { error: error.message, code: error.code }, headers);
    }
  });
}
