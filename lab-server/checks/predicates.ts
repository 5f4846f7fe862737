/**
 * The `docker` check kind: named predicates over `docker inspect` output of one of the learner's objects,
 * modelled on the CIS Docker Benchmark's container checks; and the judging of typed answers. Pure
 * functions, so every pass and fail path is unit-tested; messages name what is still wrong without giving
 * the command or the answer.
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
    case 'no-capabilities': {
      // The effective result, not the flag: --cap-drop ALL with any --cap-add, or --privileged, leaves capabilities.
      if (host.Privileged === true) return fail(`${it} runs privileged, which grants every capability whatever it drops`);
      const dropped = list(host.CapDrop).map(capName);
      const added = list(host.CapAdd).map(capName);
      if (!dropped.includes('ALL')) return fail(dropped.length ? `${it} drops only ${dropped.join(', ')}; the rest of the default set remains` : `${it} keeps Docker's default capabilities`);
      return added.length ? fail(`${it} drops every capability, then adds back ${added.join(', ')}`) : pass(`${it} holds no capabilities`);
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
      // A pin names content: a digest or the full 64-digit image ID. A tag (even one that looks like a
      // hash, such as sha-4108952709fd) can be moved to another image, and a short ID is a prefix that a
      // later image may share, so neither is a pin.
      const image = str(config.Image);
      if (/@sha256:[0-9a-f]{64}$/.test(image) || /^(sha256:)?[0-9a-f]{64}$/.test(image)) return pass(`${it} runs an image pinned by digest or full ID`);
      const short = /^(?:sha256:)?([0-9a-f]{1,63})$/.exec(image);
      if (short) return fail(`${it} was started by a short ID (${short[1]!.length} hex digits), a prefix another image may share; use the full 64-digit ID or a digest`);
      const tag = /:([^/:@]+)$/.exec(image)?.[1];
      if (!tag) return fail(`${it} runs ${image} with no tag, which means latest, a tag that moves with every push`);
      if (tag === 'latest') return fail(`${it} runs the moving tag latest`);
      if (/^sha-?[0-9a-f]+$/.test(tag)) return fail(`${it} runs the tag ${tag}: it looks like a hash, but it is a tag, and a tag can be moved to another image`);
      return fail(`${it} runs the tag ${tag}, which can be moved to another image; start it by the full image ID or a digest`);
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

// ---------------------------------------------------------------------------------------------------
// Typed answers. The expected value is computed live in the learner's sandbox; a wrong answer gets the
// most specific diagnosis there is (an author's `near` value, then units, prefix, path and format), and
// only a value of the right form that is simply different gets the plain "is not it".

export type AnswerCriterion = Extract<Criterion, { kind: 'answer' }>;

/** Separates the expected value from the `near` values in the one script an answer criterion runs. */
const NEAR_MARK = '--bulkhead-near-value--';

/** The script an answer criterion runs: its `compute`, then each `near.compute` after a marker line; exits with compute's status. */
export function answerScript(c: AnswerCriterion): string {
  const nears = (c.near ?? []).filter((n) => n.compute !== undefined);
  if (!nears.length) return c.compute;
  return [
    `( ${c.compute}\n); bulkhead_status=$?`,
    ...nears.map((n) => `printf '\\n%s\\n' '${NEAR_MARK}'; ( ${n.compute}\n) 2>/dev/null`),
    'exit $bulkhead_status',
  ].join('\n');
}

const normalize = (value: string, ignoreCase: boolean) => {
  const trimmed = value.trim().replace(/\s+/g, ' ');
  return ignoreCase ? trimmed.toLowerCase() : trimmed;
};

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 };
/** A size or count with an optional unit ("64m", "64 MiB", "67108864"), in units of one; undefined if not one. */
function amount(text: string): { value: number; unit: string } | undefined {
  const m = /^(-?\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = (m?.[2] ?? '').toLowerCase();
  if (!m || !(unit in UNITS)) return undefined;
  return { value: Number(m[1]) * (UNITS[unit] ?? 1), unit };
}

/** The form of an expected answer, in words, and a test for it. */
function shapeOf(expected: string): { words: string; test: RegExp } | undefined {
  // A fixed-width mask with leading zeros (CapBnd 0000000000000001) is hex digits, though it may hold no letter.
  const hex = (n: number) => ({ words: `${n} hexadecimal digits`, test: new RegExp(`^[0-9a-f]{${n}}$`, 'i') });
  if (/^0[0-9a-f]{7,}$/i.test(expected)) return hex(expected.length);
  if (/^\d+$/.test(expected)) return { words: 'a whole number', test: /^\d+$/ };
  if (/^\d+\.\d+$/.test(expected)) return { words: 'a decimal number', test: /^\d+(\.\d+)?$/ };
  if (/^[0-9a-f]+$/i.test(expected) && expected.length >= 8) return hex(expected.length);
  if (/^\/\S*$/.test(expected)) return { words: 'an absolute path, starting with /', test: /^\/\S*$/ };
  return undefined;
}

/**
 * Judges a typed answer against the output of `answerScript`. Returns undefined when the expected value
 * cannot be worked out (empty output). Numerically equal answers ("0.50" for "0.5") are correct.
 */
export function judgeAnswer(c: AnswerCriterion, answer: string, stdout: string): { passed: boolean; message: string } | undefined {
  const [expectedRaw = '', ...nearRaw] = stdout.split(`\n${NEAR_MARK}\n`);
  const expected = normalize(expectedRaw, c.ignoreCase);
  if (!expected) return undefined;
  // Quotes or backticks around an answer ("`namespaces`") are the learner quoting it, not part of it.
  const typed = normalize(answer, c.ignoreCase).replace(/^(["'`])(.*)\1$/, '$2');
  const shown = `"${answer.trim().slice(0, 60)}"`;
  const no = (message: string) => ({ passed: false, message });
  if (typed === expected) return { passed: true, message: 'Correct.' };
  const [a, e] = [amount(typed), amount(expected)];
  if (a && e && a.value === e.value) {
    if (!a.unit && !e.unit) return { passed: true, message: 'Correct.' };
    return no(`${shown} is the right amount, but give it as a plain number${e.unit ? ` in ${e.unit}` : ''}, the way the system shows it`);
  }
  let computed = 0;
  for (const near of c.near ?? []) {
    const value = near.value ?? nearRaw[computed++] ?? '';
    if (value.trim() && normalize(value, c.ignoreCase) === typed) return no(`${shown}: ${near.message}`);
  }
  if (a && e && !a.unit && !e.unit && a.value !== 0) {
    for (const [unit, factor] of [['KiB', 1024], ['MiB', 1024 ** 2], ['GiB', 1024 ** 3]] as const) {
      if (a.value * factor === e.value) return no(`${shown} is in ${unit}; the answer is in bytes`);
    }
  }
  const bare = (v: string) => v.replace(/^(sha256:|0x)/, '');
  if (bare(typed) === bare(expected)) return no(`${shown} has the right value, but ${/^(sha256:|0x)/.test(typed) ? `without the ${/^(sha256:|0x)/.exec(typed)![1]} prefix` : `with its ${/^(sha256:|0x)/.exec(expected)![1]} prefix`}`);
  if (typed.length >= 4 && expected.startsWith(typed)) return no(`${shown} is only the start of it: the answer has ${expected.length} characters`);
  if (expected.length >= 4 && typed.startsWith(expected)) return no(`${shown} is longer than the answer, which has ${expected.length} characters`);
  const base = (v: string) => v.split('/').filter(Boolean).pop() ?? v;
  if (typed.includes('/') !== expected.includes('/') && base(typed) === base(expected)) {
    return no(expected.includes('/') ? `${shown} is the right name; give the full path` : `${shown} is the right one, but give the name alone, without the path`);
  }
  const shape = shapeOf(expected);
  if (shape && !shape.test.test(typed)) return no(`${shown} is not in the form asked: the answer is ${shape.words}`);
  return no(`${shown} is not it; look again.`);
}
