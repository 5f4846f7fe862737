/**
 * Container endpoints after create (ps, inspect, logs, top, stats, start/stop/kill, wait, rename, attach,
 * rm, prune): the session's containers only, found by the learner's names and forwarded by full id.
 * Query parameters are checked one by one: `docker top` options reach `ps` on the host, so only plain
 * option letters pass; signals and detach keys must look like signals and keys. Removing a container
 * always removes its anonymous volumes, and legacy links are not removed on their own. Creating a
 * container is handlers/container-create.ts; exec is handlers/exec.ts.
 */
import { engineFailure, engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { SIGNAL } from '../fields.ts';
import { matchesNames, namePattern, parseFilters, toEngineFilters } from '../filters.ts';
import { engineName, LABEL_LEARNER_IMAGE, learnerName, ownLabels } from '../naming.ts';
import { badRequest, forbidden } from '../refusal.ts';
import { boolParam, checkQuery, empty, flag, intParam, json, timeParam, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { resolveContainer, resolveImage, resolveNetwork, type ContainerSummary } from '../tenancy.ts';
import { DETACH_KEYS, streamFrom } from './common.ts';

const LIST_FILTERS = ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'health', 'network', 'volume', 'before', 'since', 'is-task', 'publish', 'expose'];

const containerPath = (id: string, ...rest: string[]) => encodePath('containers', id, ...rest);

export async function list(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['all', 'limit', 'size', 'filters']);
  const filters = parseFilters(req.query.get('filters'), LIST_FILTERS);
  for (const p of filters.get('name') ?? []) namePattern(p);
  const engineFilters = toEngineFilters(filters, ['id', 'label', 'status', 'exited', 'health', 'is-task', 'publish', 'expose']);
  for (const value of [...(filters.get('publish') ?? []), ...(filters.get('expose') ?? [])]) {
    if (!/^[0-9]{1,5}(-[0-9]{1,5})?(\/[a-z]{3,4})?$/.test(value)) throw badRequest('invalid port filter.');
  }
  if (filters.has('ancestor')) engineFilters.ancestor = await Promise.all(filters.get('ancestor')!.map(async (a) => (await resolveImage(ctx, a)).id));
  if (filters.has('network')) engineFilters.network = await Promise.all(filters.get('network')!.map(async (n) => (await resolveNetwork(ctx, n)).id));
  if (filters.has('volume')) engineFilters.volume = filters.get('volume')!.map((v) => (v.startsWith('/') ? v : engineName(ctx.id, v, 'volume')));
  for (const key of ['before', 'since'] as const) {
    const ref = filters.get(key)?.[0];
    if (ref !== undefined) engineFilters[key] = [(await resolveContainer(ctx, ref)).id];
  }
  const all = flag(req, 'all') || filters.has('status') || filters.has('exited');
  const items = await engineJson<ContainerSummary[]>(ctx, {
    method: 'GET', path: '/containers/json',
    query: { all: all ? '1' : '0', size: boolParam(req, 'size'), filters: JSON.stringify({ ...engineFilters, label: [...(engineFilters.label ?? []), ...Object.entries(ownLabels(ctx.id)).map(([k, v]) => `${k}=${v}`)] }) },
  });
  const limit = Number(intParam(req, 'limit', -1, 10_000) ?? '-1');
  const visible = items.filter((c) => matchesNames(filters, c.Names.map((n) => learnerName(ctx.id, n) ?? '')));
  const shown = visible.map((c) => ({ ...c, Image: c.Labels?.[LABEL_LEARNER_IMAGE] ?? c.Image }));
  return json(rewriteValue(ctx.id, limit > 0 ? shown.slice(0, limit) : shown));
}

export async function inspect(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['size']);
  const c = await resolveContainer(ctx, req.route.ref!);
  const body = await engineJson<{ Config?: { Image?: string; Labels?: Record<string, string> | null } }>(ctx, { method: 'GET', path: containerPath(c.id, 'json'), query: { size: boolParam(req, 'size') } });
  const learnerImage = body.Config?.Labels?.[LABEL_LEARNER_IMAGE];
  if (learnerImage && body.Config) body.Config.Image = learnerImage;
  return json(rewriteValue(ctx.id, body));
}

export async function top(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['ps_args']);
  const psArgs = req.query.get('ps_args');
  // The engine runs `ps` on the host with these arguments; only plain option letters are passed on.
  if (psArgs !== undefined && !/^-?[a-zA-Z]{0,16}( -?[a-zA-Z]{1,16}){0,4}$/.test(psArgs)) throw badRequest('docker top accepts plain ps options such as "aux" or "-ef" in the lab.');
  const c = await resolveContainer(ctx, req.route.ref!);
  return json(await engineJson<unknown>(ctx, { method: 'GET', path: containerPath(c.id, 'top'), query: { ps_args: psArgs } }));
}

export async function logs(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['follow', 'stdout', 'stderr', 'since', 'until', 'timestamps', 'tail', 'details']);
  const tail = req.query.get('tail');
  if (tail !== undefined && tail !== 'all' && !/^[0-9]{1,9}$/.test(tail)) throw badRequest('tail must be a number or "all".');
  const c = await resolveContainer(ctx, req.route.ref!);
  const query = {
    follow: boolParam(req, 'follow'), stdout: boolParam(req, 'stdout'), stderr: boolParam(req, 'stderr'), timestamps: boolParam(req, 'timestamps'),
    details: boolParam(req, 'details'), since: timeParam(req, 'since'), until: timeParam(req, 'until'), tail,
  };
  return streamFrom(ctx, { method: 'GET', path: containerPath(c.id, 'logs'), query }, 'application/vnd.docker.raw-stream');
}

export async function changes(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const c = await resolveContainer(ctx, req.route.ref!);
  return json(await engineJson<unknown>(ctx, { method: 'GET', path: containerPath(c.id, 'changes') }));
}

export async function stats(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['stream', 'one-shot']);
  const c = await resolveContainer(ctx, req.route.ref!);
  const query = { stream: boolParam(req, 'stream'), 'one-shot': boolParam(req, 'one-shot') };
  return streamFrom(ctx, { method: 'GET', path: containerPath(c.id, 'stats'), query }, 'application/json', (line) => JSON.stringify(rewriteValue(ctx.id, JSON.parse(line))));
}

export async function resize(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['h', 'w']);
  const c = await resolveContainer(ctx, req.route.ref!);
  await engineJson(ctx, { method: 'POST', path: containerPath(c.id, 'resize'), query: { h: intParam(req, 'h', 0, 10_000), w: intParam(req, 'w', 0, 10_000) } });
  return empty(200);
}

/** start, stop, restart, kill, pause, unpause: no body, checked query. */
export async function action(ctx: SessionContext, req: GateRequest, verb: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause'): Promise<GateReply> {
  const known = { start: ['detachKeys'], stop: ['t', 'signal'], restart: ['t', 'signal'], kill: ['signal'], pause: [], unpause: [] }[verb];
  checkQuery(req, known);
  const signal = req.query.get('signal');
  if (signal !== undefined && signal !== '' && !SIGNAL.test(signal)) throw badRequest(`invalid signal ${JSON.stringify(signal.slice(0, 20))}.`);
  const detachKeys = req.query.get('detachKeys');
  if (detachKeys !== undefined && !DETACH_KEYS.test(detachKeys)) throw badRequest('invalid detach keys.');
  const c = await resolveContainer(ctx, req.route.ref!);
  const query = { t: intParam(req, 't', -1, 600), signal: signal || undefined, detachKeys: detachKeys || undefined };
  const res = await ctx.engine.call({ method: 'POST', path: containerPath(c.id, verb), query });
  if (res.status === 304) return empty(304);
  if (res.status >= 400) throw engineFailure(ctx, res.status, res.body);
  return empty(204);
}

export async function wait(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['condition']);
  const condition = req.query.get('condition');
  if (condition !== undefined && !['', 'not-running', 'next-exit', 'removed'].includes(condition)) throw badRequest('invalid wait condition.');
  const c = await resolveContainer(ctx, req.route.ref!);
  return streamFrom(ctx, { method: 'POST', path: containerPath(c.id, 'wait'), query: { condition: condition || undefined } }, 'application/json',
    (line) => JSON.stringify(rewriteValue(ctx.id, JSON.parse(line))));
}

export async function rename(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['name']);
  const newName = engineName(ctx.id, req.query.get('name') ?? '', 'container');
  const c = await resolveContainer(ctx, req.route.ref!);
  await engineJson(ctx, { method: 'POST', path: containerPath(c.id, 'rename'), query: { name: newName } });
  return empty(204);
}

export async function attach(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['stream', 'stdin', 'stdout', 'stderr', 'logs', 'detachKeys']);
  const detachKeys = req.query.get('detachKeys');
  if (detachKeys !== undefined && !DETACH_KEYS.test(detachKeys)) throw badRequest('invalid detach keys.');
  const c = await resolveContainer(ctx, req.route.ref!);
  const query = {
    stream: boolParam(req, 'stream'), stdin: boolParam(req, 'stdin'), stdout: boolParam(req, 'stdout'), stderr: boolParam(req, 'stderr'),
    logs: boolParam(req, 'logs'), detachKeys: detachKeys || undefined,
  };
  return { kind: 'upgrade', call: { method: 'POST', path: containerPath(c.id, 'attach'), query } };
}

export async function remove(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['v', 'force', 'link']);
  if (flag(req, 'link')) throw forbidden('removing a legacy link', 'links are managed with the containers they join', 'compose');
  const c = await resolveContainer(ctx, req.route.ref!);
  // Anonymous volumes go with their container: nothing unlabelled may outlive the session's objects.
  await engineJson(ctx, { method: 'DELETE', path: containerPath(c.id), query: { v: '1', force: boolParam(req, 'force') } });
  return empty(204);
}

export async function prune(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['filters']);
  const filters = parseFilters(req.query.get('filters'), ['until', 'label']);
  const engineFilters = toEngineFilters(filters, ['until', 'label']);
  engineFilters.label = [...(engineFilters.label ?? []), ...Object.entries(ownLabels(ctx.id)).map(([k, v]) => `${k}=${v}`)];
  const res = await engineJson<unknown>(ctx, { method: 'POST', path: '/containers/prune', query: { filters: JSON.stringify(engineFilters) } });
  return json(rewriteValue(ctx.id, res));
}
