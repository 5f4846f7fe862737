import { describe, expect, it } from 'vitest';
import { LabError } from '../../lab-server/errors.ts';
import { Admission, type AdmissionRequest } from '../../lab-server/labs/admission.ts';
import type { LabCatalog } from '../../lab-server/labs/catalog.ts';
import type { SessionCaps } from '../../lab-server/sessions/caps.ts';
import { workshopAdmissionRule } from '../../lab-server/workshops/index.ts';
import { Learners } from '../../lab-server/workshops/learners.ts';
import { catalog as lessons, world } from '../helpers/workshop-world.ts';

const catalog = { get: (slug: string) => (['demo', 'caps', 'net'].includes(slug) ? { slug } : undefined) } as unknown as LabCatalog;
const CAPS: SessionCaps = { perLearner: 2, perIp: 2, global: 4, createBurst: 3, createPerMinute: 6 };
const RETRY_LATER_MS = 120_000;

function setup(options: { ready?: { ok: boolean; reason?: string }; caps?: Partial<SessionCaps> } = {}) {
  const w = world();
  const live: Array<{ learner: string; lab: string; ip: string }> = [];
  const admission = new Admission({
    catalog, sessions: { live: () => live }, ready: async () => options.ready ?? { ok: true },
    caps: { ...CAPS, ...options.caps }, retryLaterMs: RETRY_LATER_MS, now: w.now,
  });
  const learners = new Learners({ store: w.store, catalog: lessons, notices: { latest: () => undefined }, touch: w.touch, now: w.now });
  const removeRule = admission.addRule(workshopAdmissionRule(learners));
  const ask = (request: Partial<AdmissionRequest>, mode: 'ticket' | 'start' = 'start') =>
    admission.decide({ learner: 'ada', lab: 'demo', ip: '10.0.0.1', ...request }, mode);
  const refusal = async (request: Partial<AdmissionRequest>, mode: 'ticket' | 'start' = 'start') => {
    try {
      await ask(request, mode);
    } catch (error) {
      expect(error).toBeInstanceOf(LabError);
      return error as LabError;
    }
    return undefined;
  };
  return { ...w, admission, live, ask, refusal, removeRule };
}

describe('admission: may this learner open this lab now?', () => {
  it('refuses a lab the catalog does not have, in both modes', async () => {
    const { refusal } = setup();
    for (const mode of ['ticket', 'start'] as const) {
      expect(await refusal({ lab: 'nope' }, mode)).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'There is no lab called "nope".' });
    }
  });

  it("refuses while labs cannot start, with the engine's reason or a general one", async () => {
    const down = setup({ ready: { ok: false, reason: 'Docker Engine not reachable: start Docker.' } });
    expect(await down.refusal({}, 'ticket')).toMatchObject({ code: 'ENGINE_UNAVAILABLE', status: 503, message: 'Docker Engine not reachable: start Docker.' });
    const silent = setup({ ready: { ok: false } });
    expect(await silent.refusal({})).toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: 'Labs are not available on this server right now.' });
  });

  it('returns the catalog entry when admitted', async () => {
    const { ask } = setup();
    expect(await ask({ lab: 'caps' })).toEqual({ slug: 'caps' });
  });

  it('holds a learner of a workshop that has not started back, with the sentence why, at start only', async () => {
    const { refusal, ask, workshop, seat, advance, removeRule } = setup();
    const room = await workshop({ title: 'Later', startsAt: 1_000_000 + 3 * 60_000 });
    seat(room, 'ada');
    expect(await ask({}, 'ticket'), 'the ticket is given: the refusal reaches the page on the terminal socket').toEqual({ slug: 'demo' });
    expect(await refusal({})).toMatchObject({
      code: 'NOT_ADMITTED', status: 403,
      message: '“Later” starts in 3 min; its labs open then. Keep this page open and press Start lab at the start.',
    });
    expect(await ask({ learner: 'bob' }), 'a learner of no workshop is not held').toEqual({ slug: 'demo' });
    advance(3 * 60_000);
    expect(await ask({})).toEqual({ slug: 'demo' });
    removeRule();
    advance(2 * 60 * 60_000);
    expect(await ask({}), 'without the rule, an ended workshop holds nobody').toEqual({ slug: 'demo' });
  });

  it('caps the labs per learner, saying which are open and when to retry', async () => {
    const { refusal, live } = setup();
    live.push({ learner: 'ada', lab: 'caps', ip: '10.0.0.1' }, { learner: 'ada', lab: 'net', ip: '10.0.0.1' });
    const error = await refusal({ ip: '10.0.0.9' });
    expect(error).toMatchObject({ code: 'LIMIT_REACHED', status: 429, retryAfterMs: RETRY_LATER_MS });
    expect(error?.message).toMatch(/^You already have 2 labs running \(caps, net\), the most one learner may have\./);
  });

  it('lets a learner back into a lab they have open, whatever the caps and the rate', async () => {
    const { ask, live } = setup({ caps: { global: 2, createBurst: 1 } });
    live.push({ learner: 'ada', lab: 'demo', ip: '10.0.0.1' }, { learner: 'ada', lab: 'caps', ip: '10.0.0.1' });
    for (let i = 0; i < 5; i++) expect(await ask({})).toEqual({ slug: 'demo' });
  });

  it('caps the labs per address', async () => {
    const { refusal, ask, live } = setup();
    live.push({ learner: 'bob', lab: 'demo', ip: '10.0.0.1' }, { learner: 'carol', lab: 'demo', ip: '10.0.0.1' });
    expect(await refusal({})).toMatchObject({
      code: 'LIMIT_REACHED', retryAfterMs: 60_000,
      message: 'Too many labs are running from your network address. Try again in a few minutes, or ask your instructor.',
    });
    expect(await ask({ ip: '10.0.0.2' })).toEqual({ slug: 'demo' });
  });

  it('does not count a seated learner of a running workshop against the per-address cap', async () => {
    const { refusal, ask, live, workshop, seat } = setup();
    const room = await workshop();
    seat(room, 'ada');
    live.push({ learner: 'bob', lab: 'demo', ip: '10.0.0.1' }, { learner: 'carol', lab: 'demo', ip: '10.0.0.1' });
    expect(await ask({})).toEqual({ slug: 'demo' });
    expect(await refusal({ learner: 'dave' }), 'an unseated neighbour is').toMatchObject({ code: 'LIMIT_REACHED' });
  });

  it('caps the labs of the whole server, seated learners too', async () => {
    const { refusal, live, workshop, seat } = setup();
    seat(await workshop(), 'ada');
    for (const learner of ['b', 'c', 'd', 'e']) live.push({ learner, lab: 'demo', ip: `10.0.1.${learner.charCodeAt(0)}` });
    expect(await refusal({})).toMatchObject({
      code: 'LIMIT_REACHED', retryAfterMs: 60_000,
      message: 'This lab-server is full right now. Labs free up as learners finish; try again in a minute.',
    });
  });

  it('limits how fast a learner creates labs, counting starts only', async () => {
    const { refusal, ask, advance } = setup();
    for (let i = 0; i < 10; i++) await ask({}, 'ticket');
    for (let i = 0; i < 3; i++) expect(await ask({})).toEqual({ slug: 'demo' });
    const error = await refusal({});
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 10_000, message: 'You started labs very quickly. Wait 10 s before starting another.' });
    expect(await ask({ learner: 'bob' }), 'per learner').toEqual({ slug: 'demo' });
    advance(10_000);
    expect(await ask({})).toEqual({ slug: 'demo' });
  });
});
