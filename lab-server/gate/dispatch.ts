/**
 * From a parsed request to a handler. The route table decides what exists; this table decides what each
 * route reads from the body and who answers it. Routes the lab does not serve are refused here with a
 * reason of their own.
 */
import type { SessionContext } from './context.ts';
import * as containers from './handlers/containers.ts';
import { create as containerCreate } from './handlers/container-create.ts';
import * as exec from './handlers/exec.ts';
import * as images from './handlers/images.ts';
import * as networks from './handlers/networks.ts';
import * as system from './handlers/system.ts';
import * as volumes from './handlers/volumes.ts';
import { archive } from './handlers/archive.ts';
import { build } from './handlers/build.ts';
import { forbidden, notFound, type Lesson } from './refusal.ts';
import type { GateReply, GateRequest } from './reply.ts';
import type { RouteName } from './routes.ts';

/** none: any body is refused; json: a JSON body (Content-Length only); tar: the build context (chunked allowed). */
export type BodyKind = 'none' | 'json' | 'optional-json' | 'tar';

export function bodyKind(route: RouteName): BodyKind {
  switch (route) {
    case 'containerCreate': case 'containerExec': case 'networkCreate': case 'networkConnect': case 'networkDisconnect': case 'volumeCreate':
      return 'json';
    case 'execStart':
      return 'optional-json';
    case 'build': case 'containerArchive':
      return 'tar';
    default:
      return 'none';
  }
}

/** Routes answered with a refusal whatever they carry; their bodies are read and dropped, so the CLI sees the reason. */
export const REFUSED_ROUTES: ReadonlySet<RouteName> = new Set<RouteName>([
  'containerExport', 'containerUpdate', 'commit', 'imagePush', 'imageExport', 'imageLoad', 'imagePrune',
  'imageSearch', 'buildkit', 'swarm', 'plugins', 'systemDf', 'distribution', 'imageCreate',
]);

type Handler = (ctx: SessionContext, req: GateRequest) => Promise<GateReply>;

const refuse = (what: string, why: string, lesson: Lesson): Handler => async () => { throw forbidden(what, why, lesson); };

const HANDLERS: Record<RouteName, Handler> = {
  ping: system.ping,
  version: system.version,
  info: system.info,
  events: system.events,
  containerList: containers.list,
  containerCreate,
  containerPrune: containers.prune,
  containerInspect: containers.inspect,
  containerTop: containers.top,
  containerLogs: containers.logs,
  containerChanges: containers.changes,
  containerStats: containers.stats,
  containerResize: containers.resize,
  containerStart: (ctx, req) => containers.action(ctx, req, 'start'),
  containerStop: (ctx, req) => containers.action(ctx, req, 'stop'),
  containerRestart: (ctx, req) => containers.action(ctx, req, 'restart'),
  containerKill: (ctx, req) => containers.action(ctx, req, 'kill'),
  containerPause: (ctx, req) => containers.action(ctx, req, 'pause'),
  containerUnpause: (ctx, req) => containers.action(ctx, req, 'unpause'),
  containerWait: containers.wait,
  containerRename: containers.rename,
  containerAttach: containers.attach,
  containerExec: exec.create,
  containerDelete: containers.remove,
  containerArchive: archive,
  containerExport: refuse('docker export', 'exporting a container\'s filesystem is not part of the lab; use docker diff to see what changed', 'images'),
  containerUpdate: refuse('docker update', 'limits are set when a container is created; recreate it with the limits you want', 'cgroups'),
  commit: refuse('docker commit', 'images are made with docker build in the lab, from a Dockerfile you can review', 'best-practices'),
  execStart: exec.start,
  execResize: exec.resize,
  execInspect: exec.inspect,
  imageList: images.list,
  imageCreate: images.pull,
  imageInspect: images.inspect,
  imageHistory: images.history,
  imageTag: images.tag,
  imageDelete: images.remove,
  imagePush: async (_ctx, req) => images.refusedImageRoute(req),
  imageExport: async (_ctx, req) => images.refusedImageRoute(req),
  imageLoad: async (_ctx, req) => images.refusedImageRoute(req),
  imagePrune: async (_ctx, req) => images.refusedImageRoute(req),
  imageSearch: async (_ctx, req) => images.refusedImageRoute(req),
  build,
  buildkit: refuse('BuildKit sessions', 'BuildKit\'s /session and /grpc endpoints open two-way channels between the daemon and your client that the lab\'s gate cannot check; the classic builder is used instead (DOCKER_BUILDKIT=0)', 'best-practices'),
  networkList: networks.list,
  networkInspect: networks.inspect,
  networkCreate: networks.create,
  networkDelete: networks.remove,
  networkConnect: (ctx, req) => networks.connect(ctx, req, 'connect'),
  networkDisconnect: (ctx, req) => networks.connect(ctx, req, 'disconnect'),
  networkPrune: networks.prune,
  volumeList: volumes.list,
  volumeCreate: volumes.create,
  volumeInspect: volumes.inspect,
  volumeDelete: volumes.remove,
  volumePrune: volumes.prune,
  swarm: refuse('swarm mode', 'a swarm turns this engine into a cluster node others can schedule on; the lab is one engine shared by many learners', 'daemon'),
  plugins: async (_ctx, req) => {
    // `docker inspect NAME` tries a plugin too: answer "not found" so it moves on, refuse everything else.
    const inspect = /^\/plugins\/([^/]+)\/json$/.exec(req.path);
    if (req.method === 'GET' && inspect) throw notFound(`plugin ${inspect[1]} not found`);
    if (req.method === 'GET' && req.path === '/plugins') return { kind: 'json', status: 200, body: [] };
    throw forbidden('managing plugins', 'plugins run as root on the host with whatever privileges they ask for', 'daemon');
  },
  systemDf: refuse('docker system df', 'it reports on every object of the machine; use docker ps -s and docker images', 'daemon'),
  distribution: refuse('registry lookups', 'the lab does not reach a registry', 'images'),
};

export function dispatch(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  return HANDLERS[req.route.name](ctx, req);
}
