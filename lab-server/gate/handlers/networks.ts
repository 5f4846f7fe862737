/**
 * Network endpoints. The session network (the one the lab made, shared with the learner's terminal)
 * shows as `bridge` and cannot be removed; networks a learner creates are bridge networks, always
 * internal: nothing in the lab reaches the host's networks or the internet.
 */
import { randomBytes } from 'node:crypto';
import { engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { bool, checkKeys, isZero, requireObject, str, strMap } from '../fields.ts';
import { matchesNames, namePattern, parseFilters } from '../filters.ts';
import { engineName, ownLabels } from '../naming.ts';
import { learnerLabels } from '../learner-labels.ts';
import { checkEndpoint } from '../container/network.ts';
import { badRequest, forbidden } from '../refusal.ts';
import { checkQuery, empty, flag, json, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { ownContainers, ownNetworks, resolveContainer, resolveNetwork, type OwnNetwork } from '../tenancy.ts';
import { checkQuota, sessionLookups } from './common.ts';
import { LABEL_INSTANCE, LABEL_ROLE, LABEL_SESSION } from '../../labels.ts';

const NETWORK_KEYS = ['Name', 'CheckDuplicate', 'Driver', 'Scope', 'EnableIPv6', 'EnableIPv4', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigOnly', 'ConfigFrom', 'Options', 'Labels'];

/**
 * The learner's terminal joins every network the session creates, so `curl http://app:3000` works right
 * after `docker compose up`, as it would on a laptop; it leaves before the network is removed.
 */
async function sandboxId(ctx: SessionContext): Promise<string | undefined> {
  const filters = JSON.stringify({ label: [`${LABEL_INSTANCE}=${ctx.id.instance}`, `${LABEL_SESSION}=${ctx.id.session}`, `${LABEL_ROLE}=sandbox`] });
  const found = await engineJson<Array<{ Id: string }>>(ctx, { method: 'GET', path: `/containers/json?filters=${encodeURIComponent(filters)}` });
  return found[0]?.Id;
}

async function moveSandbox(ctx: SessionContext, network: string, verb: 'connect' | 'disconnect'): Promise<void> {
  const sandbox = await sandboxId(ctx).catch(() => undefined);
  if (!sandbox) return;
  const res = await ctx.engine.call({ method: 'POST', path: encodePath('networks', network, verb), body: verb === 'connect' ? { Container: sandbox } : { Container: sandbox, Force: true } });
  if (res.status >= 300) ctx.log.warn(`could not ${verb} the terminal ${verb === 'connect' ? 'to' : 'from'} network ${network}: ${res.status}`);
}

/** The engine's view of one network, with containers of other sessions and the learner's terminal left out. */
async function shown(ctx: SessionContext, network: OwnNetwork, detail: Record<string, unknown>): Promise<unknown> {
  const own = new Set((await ownContainers(ctx)).map((c) => c.Id));
  const containers = (detail.Containers ?? {}) as Record<string, unknown>;
  const visible = Object.fromEntries(Object.entries(containers).filter(([id]) => own.has(id)));
  return rewriteValue(ctx.id, { ...detail, Name: network.name, Containers: visible });
}

export async function list(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['filters']);
  const filters = parseFilters(req.query.get('filters'), ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling']);
  for (const p of filters.get('name') ?? []) namePattern(p);
  const networks = await ownNetworks(ctx);
  const own = new Set((await ownContainers(ctx)).map((c) => c.Id));
  const out: unknown[] = [];
  for (const network of networks) {
    const detail = await engineJson<Record<string, unknown>>(ctx, { method: 'GET', path: encodePath('networks', network.id) });
    const labels = (detail.Labels ?? {}) as Record<string, string>;
    const used = Object.keys((detail.Containers ?? {}) as object).some((id) => own.has(id));
    const keep = matchesNames(filters, [network.name])
      && (filters.get('id')?.some((v) => network.id.startsWith(v)) ?? true)
      && (filters.get('driver')?.includes(String(detail.Driver)) ?? true)
      && (filters.get('type')?.includes('custom') ?? true)
      && (filters.get('scope')?.includes(String(detail.Scope)) ?? true)
      && (filters.get('dangling')?.some((v) => ['true', '1'].includes(v) === !used) ?? true)
      && (filters.get('label')?.every((v) => { const [k = '', val] = v.split('='); return val === undefined ? k in labels : labels[k] === val; }) ?? true);
    if (keep) out.push(await shown(ctx, network, detail));
  }
  return json(out);
}

export async function inspect(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['verbose', 'scope']);
  if (flag(req, 'verbose')) throw badRequest('verbose network inspection is for swarm networks.');
  const network = await resolveNetwork(ctx, req.route.ref!);
  const detail = await engineJson<Record<string, unknown>>(ctx, { method: 'GET', path: encodePath('networks', network.id) });
  return json(await shown(ctx, network, detail));
}

export async function create(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const body = requireObject(req.json ?? null, 'the network config');
  checkKeys(body, NETWORK_KEYS, 'the network config');
  const W = 'NetworkCreate';
  const name = str(body, 'Name', W);
  const driver = str(body, 'Driver', W) || 'bridge';
  if (driver !== 'bridge') throw forbidden(`the ${driver.slice(0, 20)} network driver`, 'macvlan and ipvlan attach containers to the host\'s own interfaces, overlay needs a swarm, host is the host; the lab offers internal bridge networks', 'namespaces');
  for (const key of ['EnableIPv6', 'Attachable', 'Ingress', 'ConfigOnly']) if (bool(body, key, W)) throw forbidden(`${key} networks`, 'the lab offers plain internal bridge networks', 'namespaces');
  if (!isZero(body.ConfigFrom)) {
    const from = requireObject(body.ConfigFrom, 'ConfigFrom');
    checkKeys(from, ['Network'], 'ConfigFrom');
    if (str(from, 'Network', 'ConfigFrom')) throw forbidden('--config-from', 'the lab offers plain internal bridge networks', 'namespaces');
  }
  if (!isZero(body.Options)) throw forbidden('network driver options', 'options such as com.docker.network.bridge.name reach into the host\'s network configuration', 'namespaces');
  const scope = str(body, 'Scope', W);
  if (scope && scope !== 'local') throw forbidden(`a ${scope.slice(0, 20)}-scoped network`, 'the lab offers local networks', 'namespaces');
  if (body.EnableIPv4 === false) throw badRequest('networks in the lab have IPv4.');
  if (!isZero(body.IPAM)) {
    const ipam = requireObject(body.IPAM, 'IPAM');
    checkKeys(ipam, ['Driver', 'Config', 'Options'], 'IPAM');
    if (!['', 'default'].includes(str(ipam, 'Driver', 'IPAM')) || !isZero(ipam.Config) || !isZero(ipam.Options)) {
      throw forbidden('--subnet, --ip-range, --gateway and IPAM drivers', 'a subnet that overlaps the host\'s own networks reroutes the host\'s traffic; the engine picks a free one', 'namespaces');
    }
  }
  const labels = learnerLabels(strMap(body, 'Labels', W));
  const learner = name || randomBytes(6).toString('hex');
  const internal = bool(body, 'Internal', W);
  return ctx.serialize(async () => {
    await checkQuota(ctx, 'networks');
    const created = await engineJson<{ Id: string; Warning?: string }>(ctx, {
      method: 'POST', path: '/networks/create',
      body: { Name: engineName(ctx.id, learner, 'network'), CheckDuplicate: true, Driver: 'bridge', Internal: true, Attachable: false, Labels: { ...labels, ...ownLabels(ctx.id) } },
    });
    await moveSandbox(ctx, created.Id, 'connect');
    const warning = internal ? '' : 'Bulkhead lab: networks in the lab are always internal: containers on them reach each other, not the host or the internet.';
    return json({ Id: created.Id, Warning: warning }, 201);
  });
}

export async function remove(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const network = await resolveNetwork(ctx, req.route.ref!);
  if (network.isSession) throw forbidden('removing the lab\'s network', 'your terminal and your containers talk over it; it goes away with the lab', 'namespaces');
  await moveSandbox(ctx, network.id, 'disconnect');
  await engineJson(ctx, { method: 'DELETE', path: encodePath('networks', network.id) });
  return empty(204);
}

export async function connect(ctx: SessionContext, req: GateRequest, verb: 'connect' | 'disconnect'): Promise<GateReply> {
  checkQuery(req, []);
  const body = requireObject(req.json ?? null, `the network ${verb} config`);
  checkKeys(body, verb === 'connect' ? ['Container', 'EndpointConfig'] : ['Container', 'Force'], `the network ${verb} config`);
  const network = await resolveNetwork(ctx, req.route.ref!);
  const container = await resolveContainer(ctx, str(body, 'Container', 'Network'));
  const out: Record<string, unknown> = { Container: container.id };
  if (verb === 'connect' && body.EndpointConfig !== undefined && body.EndpointConfig !== null) {
    out.EndpointConfig = await checkEndpoint(body.EndpointConfig, 'EndpointConfig', sessionLookups(ctx).container);
  }
  if (verb === 'disconnect') out.Force = bool(body, 'Force', 'Network');
  await engineJson(ctx, { method: 'POST', path: encodePath('networks', network.id, verb), body: out });
  return empty(200);
}

export async function prune(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['filters']);
  parseFilters(req.query.get('filters'), ['until', 'label']);
  const deleted: string[] = [];
  for (const network of (await ownNetworks(ctx)).filter((n) => !n.isSession)) {
    await moveSandbox(ctx, network.id, 'disconnect');
    const res = await ctx.engine.call({ method: 'DELETE', path: encodePath('networks', network.id) });
    if (res.status < 300) deleted.push(network.name);
  }
  return json({ NetworksDeleted: deleted });
}
