/** Volume endpoints: local named volumes of the session, without driver options (no bind-like volumes). */
import { randomBytes } from 'node:crypto';
import { engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { checkKeys, isZero, requireObject, str, strMap } from '../fields.ts';
import { matchesNames, namePattern, parseFilters, toEngineFilters } from '../filters.ts';
import { engineName, learnerName, ownLabels } from '../naming.ts';
import { learnerLabels } from '../learner-labels.ts';
import { forbidden } from '../refusal.ts';
import { boolParam, checkQuery, empty, json, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { labelFilter, ownVolumes, resolveVolume } from '../tenancy.ts';
import { checkQuota } from './common.ts';

export async function list(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['filters']);
  const filters = parseFilters(req.query.get('filters'), ['name', 'label', 'driver', 'dangling']);
  for (const p of filters.get('name') ?? []) namePattern(p);
  const engineFilters = toEngineFilters(filters, ['label', 'driver', 'dangling']);
  const res = await engineJson<{ Volumes: Array<{ Name: string }> | null; Warnings?: unknown }>(ctx, { method: 'GET', path: '/volumes', query: { filters: labelFilter(ctx, engineFilters) } });
  const volumes = (res.Volumes ?? []).filter((v) => learnerName(ctx.id, v.Name) !== undefined && matchesNames(filters, [learnerName(ctx.id, v.Name)!]));
  return json(rewriteValue(ctx.id, { Volumes: volumes, Warnings: null }));
}

export async function create(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const body = requireObject(req.json ?? null, 'the volume config');
  checkKeys(body, ['Name', 'Driver', 'DriverOpts', 'Labels', 'ClusterVolumeSpec'], 'the volume config');
  const driver = str(body, 'Driver', 'VolumeCreate');
  if (driver && driver !== 'local') throw forbidden(`the ${driver.slice(0, 30)} volume driver`, 'volume plugins run with the daemon\'s privileges on the host', 'daemon');
  if (!isZero(body.DriverOpts)) throw forbidden('volume driver options (--opt)', 'options such as type=none,o=bind,device=/ make a "volume" that is a bind mount of the host\'s filesystem', 'daemon');
  if (!isZero(body.ClusterVolumeSpec)) throw forbidden('cluster volumes', 'they need a swarm', 'daemon');
  const labels = learnerLabels(strMap(body, 'Labels', 'VolumeCreate'));
  const learner = str(body, 'Name', 'VolumeCreate') || randomBytes(24).toString('hex');
  const name = engineName(ctx.id, learner, 'volume');
  return ctx.serialize(async () => {
    const existing = (await ownVolumes(ctx)).find((v) => v.Name === name);
    if (!existing) await checkQuota(ctx, 'volumes');
    const created = await engineJson<unknown>(ctx, { method: 'POST', path: '/volumes/create', body: { Name: name, Driver: 'local', DriverOpts: {}, Labels: { ...labels, ...ownLabels(ctx.id) } } });
    return json(rewriteValue(ctx.id, created), 201);
  });
}

export async function inspect(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const volume = await resolveVolume(ctx, req.route.ref!);
  return json(rewriteValue(ctx.id, await engineJson<unknown>(ctx, { method: 'GET', path: encodePath('volumes', volume.Name) })));
}

export async function remove(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['force']);
  const volume = await resolveVolume(ctx, req.route.ref!);
  await engineJson(ctx, { method: 'DELETE', path: encodePath('volumes', volume.Name), query: { force: boolParam(req, 'force') } });
  return empty(204);
}

export async function prune(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['filters']);
  const filters = parseFilters(req.query.get('filters'), ['label', 'all']);
  const engineFilters = toEngineFilters(filters, ['label', 'all']);
  const res = await engineJson<unknown>(ctx, { method: 'POST', path: '/volumes/prune', query: { filters: labelFilter(ctx, engineFilters) } });
  return json(rewriteValue(ctx.id, res));
}

