/**
 * POST /build with the classic builder: the learner's context is read whole (bounded), its Dockerfile
 * checked (base images from the catalog, allowlist or the session's own; no URLs, no /proc working
 * directories), and the build runs with no network, the lab's memory and CPU caps, tagged in the
 * session's namespace. BuildKit (version=2, /session, /grpc) is refused; the CLI then uses this path.
 */
import { gunzipSync } from 'node:zlib';
import { isObject, parseStrictJson } from '../strict-json.ts';
import type { SessionContext } from '../context.ts';
import { checkDockerfile, parseDockerfile, serializeDockerfile } from '../dockerfile.ts';
import { ownLabels } from '../naming.ts';
import { learnerLabels } from '../learner-labels.ts';
import { LINUX_PLATFORM } from '../fields.ts';
import { normalizeContextPath, readTar, writeTar } from '../tar.ts';
import { badRequest, forbidden } from '../refusal.ts';
import { checkQuery, flag, type GateReply, type GateRequest } from '../reply.ts';
import { rewriteValue } from '../rewrite.ts';
import { ownImageTag, resolveImage, visibleImages } from '../tenancy.ts';
import { checkQuota, streamFrom } from './common.ts';

const KNOWN_PARAMS = [
  't', 'squash', 'remote', 'dockerfile', 'q', 'nocache', 'rm', 'forcerm', 'pull', 'isolation', 'cpusetcpus', 'networkmode',
  'cpusetmems', 'cpushares', 'cpuquota', 'cpuperiod', 'memory', 'memswap', 'cgroupparent', 'shmsize', 'ulimits', 'buildargs',
  'labels', 'cachefrom', 'session', 'platform', 'target', 'extrahosts', 'outputs', 'buildid', 'version',
];
const CPU_PERIOD_US = 100_000;
const BUILD_ID_LINE = /---> ([0-9a-f]{12,64})\b/g;

/** Parameters that must be empty or zero, with what they would do. */
const MUST_BE_EMPTY: ReadonlyArray<readonly [string, string, string]> = [
  ['remote', 'a remote build context', 'the daemon would fetch a URL or clone a repository from the host\'s network'],
  ['cgroupparent', 'docker build --cgroup-parent', 'build containers would leave the cgroup where their limits apply'],
  ['cpusetcpus', 'docker build --cpuset-cpus', 'pinning to host CPUs is the operator\'s choice'],
  ['cpusetmems', 'docker build --cpuset-mems', 'pinning to host memory nodes is the operator\'s choice'],
  ['isolation', 'docker build --isolation', 'it applies to Windows only'],
  ['session', 'a BuildKit session', 'BuildKit sessions open a two-way channel from the daemon into your client'],
  ['outputs', 'build outputs', 'exporters write the result somewhere other than the image store'],
  ['buildid', 'a build id', 'build ids are for BuildKit'],
];

function zeroish(value: string | undefined): boolean {
  return value === undefined || value === '' || value === '0' || value === 'null' || value === '[]' || value === '{}' || value === 'false';
}

function jsonMap(raw: string | undefined, what: string): Record<string, string | null> {
  if (raw === undefined || raw === '' || raw === 'null') return {};
  const parsed = parseStrictJson(Buffer.from(raw));
  if (!isObject(parsed)) throw badRequest(`${what} must be a JSON object.`);
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v !== null && typeof v !== 'string') throw badRequest(`${what} values must be strings.`);
    out[k] = v;
  }
  return out;
}

function unpack(body: Buffer, max: number): Buffer {
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      return gunzipSync(body, { maxOutputLength: max });
    } catch {
      throw forbidden('a build context this large', `the lab accepts contexts up to ${max / 1024 / 1024} MiB; add a .dockerignore`, 'best-practices');
    }
  }
  if ((body[0] === 0x42 && body[1] === 0x5a) || (body[0] === 0xfd && body[1] === 0x37)) throw badRequest('send the build context as a plain or gzip-compressed tar.');
  return body;
}

export async function build(ctx: SessionContext, req: GateRequest): Promise<GateReply> {
  checkQuery(req, KNOWN_PARAMS);
  const q = (key: string) => req.query.get(key);
  const version = q('version');
  if (version === '2') throw forbidden('BuildKit', 'BuildKit\'s session and gRPC endpoints open channels between the daemon and your client that the lab\'s gate cannot check; run `DOCKER_BUILDKIT=0 docker build ...` (the lab\'s terminal sets it for you)', 'best-practices');
  if (version !== undefined && version !== '' && version !== '1') throw badRequest('unknown builder version.');
  for (const [key, what, why] of MUST_BE_EMPTY) if (!zeroish(q(key))) throw forbidden(what, why, 'best-practices');
  if (flag(req, 'squash')) throw forbidden('docker build --squash', 'it is an experimental daemon feature', 'best-practices');
  const network = q('networkmode') ?? '';
  if (!['', 'default', 'none'].includes(network)) throw forbidden(`docker build --network ${network.slice(0, 30)}`, 'build steps run without network in the lab: a build could otherwise reach the host\'s network or the internet; copy what you need from the build context', 'best-practices');
  if (!zeroish(q('extrahosts'))) throw forbidden('docker build --add-host', 'host entries point build steps at the host itself', 'best-practices');
  if (!zeroish(q('ulimits'))) throw forbidden('docker build --ulimit', 'ulimits are set by the daemon as root and can exceed the host\'s defaults', 'cgroups');
  if (!zeroish(q('cachefrom'))) throw forbidden('docker build --cache-from', 'cache images are not checked by the lab', 'best-practices');
  if (flag(req, 'pull')) throw forbidden('docker build --pull', 'the lab\'s base images are on this machine already; nothing is pulled', 'images');
  const platform = q('platform');
  if (platform && !LINUX_PLATFORM.test(platform)) throw badRequest('invalid platform.');
  const memory = Number(q('memory') || '0');
  if (!Number.isSafeInteger(memory) || memory < 0 || memory > ctx.policy.memoryBytesMax) throw forbidden(`docker build --memory ${q('memory')}`, `the lab caps builds at ${ctx.policy.memoryBytesMax} bytes`, 'cgroups');
  const memswap = Number(q('memswap') || '0');
  if (!Number.isSafeInteger(memswap) || memswap < -1 || memswap > ctx.policy.memoryBytesMax) throw forbidden('docker build --memory-swap', 'swap beyond the memory cap is not available in the lab', 'cgroups');
  const shm = Number(q('shmsize') || '0');
  if (!Number.isSafeInteger(shm) || shm < 0 || shm > ctx.policy.tmpfsBytesMax) throw forbidden('docker build --shm-size', 'the lab caps /dev/shm', 'cgroups');
  const shares = Number(q('cpushares') || '0');
  if (!Number.isSafeInteger(shares) || shares < 0 || shares > 1024) throw forbidden('docker build --cpu-shares', 'more than the default weight takes CPU from other learners', 'cgroups');
  for (const key of ['cpuquota', 'cpuperiod']) if (!zeroish(q(key))) throw forbidden(`docker build --${key.replace('cpu', 'cpu-')}`, 'the lab sets the build\'s CPU cap itself', 'cgroups');

  const tagRaw = q('t');
  const tag = tagRaw ? ownImageTag(ctx, tagRaw) : undefined;
  const target = q('target') ?? '';
  if (target && !/^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/.test(target)) throw badRequest('invalid build target.');
  const buildargs = jsonMap(q('buildargs'), 'buildargs');
  for (const key of Object.keys(buildargs)) if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) throw badRequest(`invalid build arg ${JSON.stringify(key.slice(0, 40))}.`);
  const labels = learnerLabels(jsonMap(q('labels'), 'labels'));
    const dockerfileName = normalizeContextPath(q('dockerfile') || 'Dockerfile');

  const raw = req.raw ?? Buffer.alloc(0);
  const entries = readTar(unpack(raw, ctx.policy.buildContextBytesMax));
  const dockerfile = entries.find((e) => e.path === dockerfileName && e.type === 'file');
  if (!dockerfile) throw badRequest(`Cannot locate specified Dockerfile: ${dockerfileName}`);
  const checked = await checkDockerfile(parseDockerfile(dockerfile.data), async (ref) => {
    try {
      return (await resolveImage(ctx, ref)).engineRef;
    } catch {
      throw forbidden(`building FROM ${ref}`, `a base image must be one of the lab's images, the allowlist (${ctx.policy.imageAllowlist.join(', ') || 'empty'}) or one you built; nothing is pulled in the lab`, 'images');
    }
  });
  dockerfile.data = serializeDockerfile(checked);
  const context = writeTar(entries);

  if (tag && !(await visibleImages(ctx)).some((i) => i.ownTags.includes(tag))) await checkQuota(ctx, 'images');
  const query: Record<string, string | undefined> = {
    t: tag, dockerfile: dockerfileName, q: flag(req, 'q') ? '1' : undefined, nocache: flag(req, 'nocache') ? '1' : undefined,
    rm: '1', forcerm: '1', pull: '0', networkmode: 'none', memory: String(memory || ctx.policy.memoryBytesMax),
    memswap: String(memory || ctx.policy.memoryBytesMax), cpuperiod: String(CPU_PERIOD_US),
    cpuquota: String(Math.floor((ctx.policy.nanoCpusMax / 1e9) * CPU_PERIOD_US)), shmsize: shm ? String(shm) : undefined,
    cpushares: shares ? String(shares) : undefined, buildargs: JSON.stringify(buildargs), labels: JSON.stringify({ ...labels, ...ownLabels(ctx.id) }),
    target: target || undefined, platform: platform || undefined, version: '1',
  };
  let abort = () => {};
  const timer = setTimeout(() => abort(), ctx.policy.buildTimeoutMs);
  const reply = await streamFrom(ctx, { method: 'POST', path: '/build', query, body: context, contentType: 'application/x-tar' }, 'application/json', (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return undefined;
    }
    const text = JSON.stringify(message);
    for (const match of text.matchAll(BUILD_ID_LINE)) ctx.buildImages.add(match[1]!);
    const aux = (message as { aux?: { ID?: string } }).aux?.ID;
    if (aux) ctx.buildImages.add(aux.replace(/^sha256:/, ''));
    return JSON.stringify(rewriteValue(ctx.id, message));
  }).catch((error: unknown) => { clearTimeout(timer); throw error; });
  if (reply.kind === 'stream') {
    abort = reply.abort;
    reply.stream.once('close', () => clearTimeout(timer));
  }
  ctx.log.info('gate: build started', { session: ctx.id.session, tag: tagRaw });
  return reply;
}
