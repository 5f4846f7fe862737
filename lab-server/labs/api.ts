/**
 * The labs' own HTTP routes: liveness, tickets for the terminal socket, and a learner's progress.
 *
 *   GET    /healthz                  {ok, labs: available|unavailable, reason?, sessions}
 *   POST   /api/tickets              {lab}  -> 201 {ticket}, after admission's ticket-time decision
 *   GET    /api/progress             every lab's done exercises of this learner
 *   GET    /api/progress/:lab        one lab's results
 *   DELETE /api/progress/:lab        the learner starts the lab's exercises over
 */
import { LabError } from '../errors.ts';
import { ensureLearner, learnerOf } from '../http/cookies.ts';
import { requireSameSite } from '../http/origin.ts';
import { readJsonBody, sendJson, type Router } from '../http/router.ts';
import type { Progress } from '../progress/progress.ts';
import type { TicketBook } from '../ws/tickets.ts';
import type { Admission, Readiness } from './admission.ts';
import type { LabCatalog } from './catalog.ts';

const LAB_PATH = /^\/api\/progress\/([a-z0-9-]{1,64})$/;

export function labRoutes(router: Router, deps: {
  catalog: LabCatalog; admission: Admission; ready: Readiness; tickets: TicketBook; progress: Progress;
  allowedOrigins: readonly string[]; sessionCount: () => number;
}): void {
  const { catalog, admission, ready, tickets, progress, allowedOrigins } = deps;
  /** Any lesson answers (one without exercises has empty progress), so the page need not know which have labs. */
  const lessonOf = (slug: string) => {
    const lesson = catalog.lesson(slug);
    if (!lesson) throw new LabError('NOT_FOUND', `There is no lab called "${slug}".`);
    return lesson;
  };

  router.route('GET', '/healthz', async (_req, res) => {
    const state = await ready();
    sendJson(res, 200, { ok: true, labs: state.ok ? 'available' : 'unavailable', reason: state.reason, sessions: deps.sessionCount() });
  });

  router.route('POST', '/api/tickets', async (req, res) => {
    requireSameSite(req, allowedOrigins);
    const body = await readJsonBody(req);
    const lab = typeof body.lab === 'string' ? body.lab : '';
    const ip = req.socket.remoteAddress ?? '';
    // The learner cookie is set only once the request is admitted, so a refused one leaves nothing behind.
    await admission.decide({ learner: learnerOf(req) ?? '', lab, ip }, 'ticket');
    sendJson(res, 201, { ticket: tickets.issue(ensureLearner(req, res), lab, ip) });
  });

  router.route('GET', '/api/progress', (req, res) => {
    const learner = learnerOf(req);
    const completed = learner ? progress.completedByLab(learner) : {};
    const labs: Record<string, { done: string[]; total: number }> = {};
    for (const lab of catalog.all()) if (lab.exercises.length) labs[lab.slug] = { done: completed[lab.slug] ?? [], total: lab.exercises.length };
    sendJson(res, 200, { labs });
  });

  router.route('GET', LAB_PATH, (req, res, { params }) => {
    const lab = lessonOf(params[0] ?? '');
    const learner = learnerOf(req);
    sendJson(res, 200, learner ? progress.forLab(learner, lab.slug) : { done: [], results: {} });
  });

  router.route('DELETE', LAB_PATH, (req, res, { params }) => {
    const lab = lessonOf(params[0] ?? '');
    requireSameSite(req, allowedOrigins);
    const learner = learnerOf(req);
    if (learner) progress.reset(learner, lab.slug);
    sendJson(res, 200, { done: [], results: {} });
  });
}
