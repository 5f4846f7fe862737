/**
 * The `docker` check kind: named predicates over `docker inspect` output of one of the learner's objects,
 * modelled on the CIS Docker Benchmark's container checks. Pure functions, so every pass and fail path is
 * unit-tested; messages name what is still wrong without giving the command.
 */
import type { Criterion } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult } from '../../src/lib/protocol.ts';

export type DockerCriterion = Extract<Criterion, { kind: 'docker' }>;
type Inspect = Record<string, unknown>;

/** Reads a dotted path (`HostConfig.CapDrop`, `Config.Labels.com\.example`) from inspect JSON. */
export function readPath(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split(/(?<!\\)\./).map((k) => k.replace(/\\\./g, '.'))) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

/** Root unless User names a non-zero uid or a non-root name (uid:gid or name:group). */
export function isRootUser(user: string): boolean {
  const who = user.split(':')[0]?.trim() ?? '';
  return who === '' || who === '0' || who === 'root';
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${Math.round((bytes / MIB) * 10) / 10} MiB`;
/** Environment variable names that usually hold a credential. */
const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const DOCKER_SOCK = /(^|\/)docker\.sock$/;

function describe(c: DockerCriterion): string {
  return `${c.object === 'container' ? 'the container' : `the ${c.object}`} ${c.name}`;
}

export function evaluate(c: DockerCriterion, inspect: Inspect): Omit<CriterionResult, 'criterion'> {
  const it = describe(c);
  const host = (inspect.HostConfig ?? {}) as Inspect;
  const config = (inspect.Config ?? {}) as Inspect;
  const state = (inspect.State ?? {}) as Inspect;
  const fail = (message: string) => ({ passed: false, message: c.failMessage ?? message });
  const pass = (message: string) => ({ passed: true, message });
  switch (c.assert) {
    case 'exists':
      return pass(`${it} exists`);
    case 'running':
      return state.Running === true ? pass(`${it} is running`) : fail(`${it} is not running (status: ${str(state.Status) || 'unknown'})`);
    case 'non-root-user':
      return isRootUser(str(config.User)) ? fail(`${it} runs its processes as root`) : pass(`${it} runs as user ${str(config.User)}`);
    case 'cap-drop-all': {
      const dropped = list(host.CapDrop).map(capName);
      return dropped.includes('ALL') ? pass(`${it} dropped every capability`) : fail(dropped.length ? `${it} drops only ${dropped.join(', ')}; the rest of the default set remains` : `${it} keeps Docker's default capabilities`);
    }
    case 'cap-added': {
      const wanted = capName(String(c.value ?? ''));
      const added = list(host.CapAdd).map(capName);
      if (!added.includes(wanted)) return fail(`${it} does not have ${wanted} added back`);
      const extra = added.filter((cap) => cap !== wanted);
      return extra.length ? fail(`${it} also adds ${extra.join(', ')}, more than it needs`) : pass(`${it} adds back only ${wanted}`);
    }
    case 'not-privileged':
      return host.Privileged === true ? fail(`${it} runs privileged`) : pass(`${it} is not privileged`);
    case 'read-only-rootfs':
      return host.ReadonlyRootfs === true ? pass(`${it} has a read-only root filesystem`) : fail(`${it} can still write to its root filesystem`);
    case 'memory-limit': {
      const limit = num(host.Memory);
      const max = Number(c.value ?? Number.POSITIVE_INFINITY);
      if (limit <= 0) return fail(`${it} has no memory limit`);
      return limit <= max ? pass(`${it} is limited to ${mib(limit)} of memory`) : fail(`${it} may use ${mib(limit)} of memory, more than ${mib(max)}`);
    }
    case 'pids-limit': {
      const limit = num(host.PidsLimit);
      const max = Number(c.value ?? Number.POSITIVE_INFINITY);
      if (limit <= 0) return fail(`${it} has no limit on its number of processes`);
      return limit <= max ? pass(`${it} may run at most ${limit} processes`) : fail(`${it} may run ${limit} processes, more than ${max}`);
    }
    case 'cpu-limit': {
      const nano = num(host.NanoCpus) || (num(host.CpuQuota) > 0 && num(host.CpuPeriod) > 0 ? (num(host.CpuQuota) / num(host.CpuPeriod)) * 1e9 : 0);
      const max = Number(c.value ?? Number.POSITIVE_INFINITY);
      if (nano <= 0) return fail(`${it} has no CPU limit`);
      const cpus = nano / 1e9;
      return cpus <= max ? pass(`${it} is limited to ${cpus} CPU`) : fail(`${it} may use ${cpus} CPUs, more than ${max}`);
    }
    case 'no-new-privileges':
      return list(host.SecurityOpt).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)) ? pass(`${it} cannot gain new privileges`) : fail(`${it} can still gain privileges through setuid binaries`);
    case 'no-host-namespaces': {
      const shared = [['network', str(host.NetworkMode)], ['PID', str(host.PidMode)], ['IPC', str(host.IpcMode)], ['UTS', str(host.UTSMode)], ['user', str(host.UsernsMode)]]
        .filter(([, mode]) => mode === 'host').map(([name]) => name);
      return shared.length ? fail(`${it} shares the host's ${shared.join(', ')} namespace${shared.length > 1 ? 's' : ''}`) : pass(`${it} has its own namespaces`);
    }
    case 'no-docker-sock': {
      const mounts = Array.isArray(inspect.Mounts) ? (inspect.Mounts as Inspect[]) : [];
      const hit = mounts.some((m) => DOCKER_SOCK.test(str(m.Source)) || DOCKER_SOCK.test(str(m.Destination)));
      return hit ? fail(`${it} has a Docker socket mounted`) : pass(`${it} has no Docker socket`);
    }
    case 'pinned-image': {
      const image = str(config.Image);
      if (/@sha256:[0-9a-f]{64}$/.test(image) || /^sha256:[0-9a-f]{64}$/.test(image) || /^[0-9a-f]{12,64}$/.test(image)) return pass(`${it} runs an image pinned by digest or ID`);
      const tag = /:([^/:]+)$/.exec(image)?.[1];
      if (!tag) return fail(`${it} runs ${image} with no tag, which means latest`);
      return tag === 'latest' ? fail(`${it} runs the moving tag latest`) : pass(`${it} runs the tagged image ${image}`);
    }
    case 'healthcheck': {
      const test = list((config.Healthcheck as Inspect | undefined)?.Test);
      return test.length && test[0] !== 'NONE' ? pass(`${it} has a health check`) : fail(`${it} has no health check`);
    }
    case 'healthy': {
      const status = str((state.Health as Inspect | undefined)?.Status);
      return status === 'healthy' ? pass(`${it} is healthy`) : fail(status ? `${it} is ${status}, not healthy yet` : `${it} reports no health`);
    }
    case 'path-equals': {
      const actual = readPath(inspect, c.path ?? '');
      return JSON.stringify(actual) === JSON.stringify(c.value) ? pass(`${it} has the expected ${c.path}`) : fail(`${it} does not have the expected ${c.path} yet`);
    }
    case 'path-matches': {
      const actual = readPath(inspect, c.path ?? '');
      const text = typeof actual === 'string' ? actual : JSON.stringify(actual ?? null);
      return new RegExp(String(c.value ?? '')).test(text) ? pass(`${it} has the expected ${c.path}`) : fail(`${it} does not have the expected ${c.path} yet`);
    }
    case 'no-secret-in-env': {
      const leaked = list(config.Env).map((e) => e.split('=')[0] ?? '').filter((name) => SECRET_ENV.test(name));
      return leaked.length ? fail(`${it} still carries ${leaked.join(', ')} in its environment, visible to anyone who can inspect it`) : pass(`${it} keeps no credential in its environment`);
    }
  }
}
