/** /_ping, /version, /info and /events: the engine's, reduced to what a learner's session may see. */
import { engineJson, type SessionContext } from '../context.ts';
import { encodePath } from '../engine.ts';
import { parseFilters, type Filters } from '../filters.ts';
import { hasOwnLabels, learnerName } from '../naming.ts';
import { MIN_API_VERSION, compareVersions } from '../request.ts';
import { checkQuery, json, timeParam, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { ownContainers, ownVolumes, visibleImages } from '../tenancy.ts';
import { engineFailure } from '../context.ts';

export async function ping(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const res = await ctx.engine.call({ method: req.method === 'HEAD' ? 'HEAD' : 'GET', path: '/_ping', version: ctx.engineVersion });
  if (res.status >= 400) throw engineFailure(ctx, res.status, res.body);
  // Builder-Version 1: BuildKit's /session and /grpc are refused, so the CLI must use the classic builder.
  const headers = {
    'Api-Version': ctx.engineVersion, 'Ostype': 'linux', 'Docker-Experimental': 'false', 'Builder-Version': '1',
    'Swarm': 'inactive', 'Cache-Control': 'no-cache, no-store, must-revalidate', 'Pragma': 'no-cache',
  };
  return req.method === 'HEAD' ? { kind: 'empty', status: 200, headers } : { kind: 'bytes', status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK', headers };
}

export async function version(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const info = await engineJson<Record<string, unknown>>(ctx, { method: 'GET', path: '/version' });
  const min = typeof info.MinAPIVersion === 'string' && compareVersions(info.MinAPIVersion, MIN_API_VERSION) > 0 ? info.MinAPIVersion : MIN_API_VERSION;
  return json({ ...info, MinAPIVersion: min });
}

/** Fields of /info that describe the engine's capabilities rather than the host and its other users. */
const INFO_KEYS = [
  'Driver', 'MemoryLimit', 'SwapLimit', 'KernelMemory', 'KernelMemoryTCP', 'CpuCfsPeriod', 'CpuCfsQuota', 'CPUShares',
  'CPUSet', 'PidsLimit', 'IPv4Forwarding', 'BridgeNfIptables', 'BridgeNfIp6tables', 'OomKillDisable', 'LoggingDriver',
  'CgroupDriver', 'CgroupVersion', 'KernelVersion', 'OperatingSystem', 'OSVersion', 'OSType', 'Architecture', 'NCPU',
  'MemTotal', 'IndexServerAddress', 'ServerVersion', 'Runtimes', 'DefaultRuntime', 'LiveRestoreEnabled', 'Isolation',
  'InitBinary', 'ContainerdCommit', 'RuncCommit', 'InitCommit', 'SecurityOptions', 'ExperimentalBuild', 'DockerRootDir',
  'Plugins', 'Warnings', 'SystemTime',
];

export async function info(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, []);
  const engine = await engineJson<Record<string, unknown>>(ctx, { method: 'GET', path: '/info' });
  const containers = await ownContainers(ctx);
  const images = await visibleImages(ctx);
  const out: Record<string, unknown> = Object.fromEntries(INFO_KEYS.filter((k) => k in engine).map((k) => [k, engine[k]]));
  const count = (state: string) => containers.filter((c) => c.State === state).length;
  Object.assign(out, {
    ID: '', Name: 'bulkhead-lab', Labels: [], Debug: false, Containers: containers.length, ContainersRunning: count('running'),
    ContainersPaused: count('paused'), ContainersStopped: containers.length - count('running') - count('paused'),
    Images: images.length, Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] }, HttpProxy: '', HttpsProxy: '', NoProxy: '',
    Plugins: { Volume: ['local'], Network: ['bridge', 'null'], Authorization: null, Log: ['json-file', 'local'] },
  });
  return json(out);
}

interface EngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  from?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  [key: string]: unknown;
}

const EVENT_FILTERS = ['type', 'event', 'container', 'image', 'network', 'volume', 'label'];
const EVENT_TYPES = ['container', 'network', 'volume', 'image'];

function matchesEventFilters(filters: Filters, e: EngineEvent): boolean {
  const attrs = e.Actor?.Attributes ?? {};
  const actorId = e.Actor?.ID ?? '';
  const name = attrs.name ?? '';
  const check = (key: string, test: (v: string) => boolean) => { const values = filters.get(key); return !values || values.some(test); };
  return check('type', (v) => e.Type === v)
    && check('event', (v) => e.Action === v || (e.Action ?? '').split(':')[0] === v)
    && check('container', (v) => e.Type === 'container' && (name === v || actorId.startsWith(v)))
    && check('image', (v) => attrs.image === v || e.from === v || (e.Type === 'image' && (name === v || actorId === v)))
    && check('network', (v) => e.Type === 'network' && (name === v || actorId.startsWith(v)))
    && check('volume', (v) => e.Type === 'volume' && actorId === v)
    && check('label', (v) => { const [k = '', val] = v.split('='); return val === undefined ? k in attrs : attrs[k] === val; });
}

export async function events(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, ['since', 'until', 'filters']);
  const filters = parseFilters(req.query.get('filters'), EVENT_FILTERS);
  const query = { since: timeParam(req, 'since'), until: timeParam(req, 'until'), filters: JSON.stringify({ type: EVENT_TYPES }) };
  const controller = new AbortController();
  const res = await ctx.engine.stream({ method: 'GET', path: '/events', query }, controller.signal);
  if (res.status >= 400) {
    const chunks: Buffer[] = [];
    for await (const chunk of res.stream) chunks.push(chunk as Buffer);
    throw engineFailure(ctx, res.status, Buffer.concat(chunks));
  }
  const sessionNetworkId = (await engineJson<{ Id: string }>(ctx, { method: 'GET', path: encodePath('networks', ctx.id.sessionNetwork) })).Id;
  const own = { containers: new Set((await ownContainers(ctx)).map((c) => c.Id)), refreshed: Date.now() };
  const isOwnContainer = async (id: string) => {
    if (own.containers.has(id)) return true;
    own.containers = new Set((await ownContainers(ctx)).map((c) => c.Id));
    return own.containers.has(id);
  };
  await ownVolumes(ctx); // fails early if the engine is gone
  const visible = async (e: EngineEvent): Promise<boolean> => {
    const attrs = e.Actor?.Attributes ?? {};
    switch (e.Type) {
      case 'container':
        if (hasOwnLabels(ctx.id, attrs)) { own.containers.add(e.Actor?.ID ?? ''); return true; }
        return false;
      case 'network': {
        const isSession = e.Actor?.ID === sessionNetworkId;
        if (!isSession && learnerName(ctx.id, attrs.name ?? '') === undefined) return false;
        return attrs.container === undefined || isOwnContainer(attrs.container);
      }
      case 'volume':
        return learnerName(ctx.id, e.Actor?.ID ?? '') !== undefined;
      case 'image':
        return (attrs.name ?? '').startsWith(`${ctx.id.imageNamespace}/`);
      default:
        return false;
    }
  };
  const lines = async (line: string): Promise<string | undefined> => {
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      return undefined;
    }
    if (!(await visible(event))) return undefined;
    const rewritten = rewriteValue(ctx.id, event) as EngineEvent;
    return matchesEventFilters(filters, rewritten) ? JSON.stringify(rewritten) : undefined;
  };
  return { kind: 'stream', status: 200, contentType: 'application/json', stream: res.stream, lines, abort: () => controller.abort() };
}
