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
 *
 * Errors are thrown and answered by the router as `{error, code}` with their status (a 401 with its
 * Bearer challenge, a 429 with Retry-After); a wrong method gets the router's 405 with Allow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ensureLearner, learnerOf } from '../http/cookies.ts';
import { requireSameSite } from '../http/origin.ts';
import { readJsonBody, sendJson, type Method, type Router } from '../http/router.ts';
import { toCsv } from './export.ts';
import { WorkshopError, statusOf, type Workshop } from './model.ts';
import { bearerToken } from './secrets.ts';
import type { Workshops } from './service.ts';
import type { InstructorTickets } from './tickets.ts';

const SEAT_ID = /^[A-Za-z0-9_-]{8,32}$/;
const LAB_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** `/api/workshops/:code` and its actions; the code is checked properly by authorize(). */
const instructorPath = (action?: string) => new RegExp(`^/api/workshops/([A-Za-z0-9-]{1,16})${action ? `/${action}` : ''}$`);

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

type InstructorHandler = (req: IncomingMessage, res: ServerResponse, workshop: Workshop, url: URL) => Promise<void> | void;

export function workshopRoutes(router: Router, workshops: Workshops, tickets: InstructorTickets, allowedOrigins: readonly string[]): void {
  const { auth, learners, lifecycle, views, store } = workshops;

  /** An instructor route: the workshop of the path's code, once the Bearer token is its secret or the organizer key. */
  const instructor = (method: Method, action: string | undefined, handler: InstructorHandler) => {
    router.route(method, instructorPath(action), async (req, res, { url, params }) => {
      const workshop = await auth.authorize(params[0], bearerToken(req), ipOf(req));
      await handler(req, res, workshop, url);
    });
  };

  router.route('GET', '/api/workshop/me', (req, res) => {
    sendJson(res, 200, learners.me(learnerOf(req)) ?? { workshop: null });
  });

  router.route('POST', '/api/workshop/join', async (req, res) => {
    requireSameSite(req, allowedOrigins);
    const body = await readJsonBody(req);
    const learner = ensureLearner(req, res);
    learners.join(body.code, learner, body.name, ipOf(req));
    sendJson(res, 200, learners.me(learner));
  });

  router.route('GET', '/api/workshops', (req, res) => {
    auth.requireOrganizer(bearerToken(req), ipOf(req));
    sendJson(res, 200, { workshops: lifecycle.list() });
  });

  router.route('POST', '/api/workshops', async (req, res) => {
    auth.requireOrganizer(bearerToken(req), ipOf(req));
    const body = await readJsonBody(req);
    const { workshop, secret } = await lifecycle.create({
      title: body.title, lessons: body.lessons, seats: body.seats, duration: body.duration, startsIn: body.startsIn,
    });
    sendJson(res, 201, { workshop: summary(workshop, workshops.now()), secret, ...links(workshop, secret) });
  });

  instructor('GET', undefined, (_req, res, workshop) => {
    sendJson(res, 200, { board: views.board(workshop), ...links(workshop) });
  });

  instructor('POST', 'tickets', async (req, res, workshop) => {
    const body = await readJsonBody(req);
    if (body.purpose === 'board') return sendJson(res, 201, { ticket: tickets.issue({ purpose: 'board', workshop: workshop.id }) });
    if (body.purpose !== 'shadow') throw new WorkshopError('BAD_REQUEST', 'purpose must be "board" or "shadow".');
    const seat = typeof body.seat === 'string' && SEAT_ID.test(body.seat) ? store.seat(body.seat) : undefined;
    if (!seat || seat.workshop !== workshop.id) throw new WorkshopError('NOT_FOUND', 'That seat is not in this workshop.');
    const lab = typeof body.lab === 'string' && LAB_ID.test(body.lab) ? body.lab : undefined;
    sendJson(res, 201, { ticket: tickets.issue({ purpose: 'shadow', workshop: workshop.id, seat: seat.id, ...(lab ? { lab } : {}) }) });
  });

  instructor('POST', 'broadcast', async (req, res, workshop) => {
    const body = await readJsonBody(req);
    sendJson(res, 200, { reached: lifecycle.broadcast(workshop, body.message) });
  });

  instructor('POST', 'extend', async (req, res, workshop) => {
    const body = await readJsonBody(req);
    sendJson(res, 200, { workshop: summary(lifecycle.extend(workshop, body.by), workshops.now()) });
  });

  instructor('POST', 'end', async (_req, res, workshop) => {
    const ended = await lifecycle.end(workshop);
    sendJson(res, 200, { ...ended, workshop: summary(store.byId(workshop.id) ?? workshop, workshops.now()) });
  });

  instructor('GET', 'export', (_req, res, workshop, url) => {
    const format = url.searchParams.get('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new WorkshopError('BAD_REQUEST', 'format must be csv or json.');
    const data = views.exportResults(workshop);
    const attachment = `attachment; filename="workshop-${workshop.code}-results.${format}"`;
    if (format === 'json') return sendJson(res, 200, data, { 'Content-Disposition': attachment });
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Content-Disposition': attachment,
    }).end(toCsv(data));
  });
}
