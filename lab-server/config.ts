/**
 * Every lab-server setting, read once from the environment and validated. A bad value stops the start
 * with a sentence naming the variable, its value and what is accepted.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'astro/zod';
import { DEFAULT_DOCKER_HOST, DOCKER_HOST_FORMS, parseDockerHost } from './engine/address.ts';
import { LabError } from './errors.ts';
import { LOG_FORMATS, LOG_LEVELS } from './ops/log.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Image references as `docker pull` takes them (`debian:trixie-slim`, `python`), lower-case, no digest. */
const IMAGE_REF = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;
/** `none`, or comma-separated image references; `bulkhead/*` is the catalog and needs no entry. */
const imageList = z.string().transform((value, ctx) => {
  if (value.trim() === 'none') return [];
  const refs = value.split(',').map((ref) => ref.trim()).filter(Boolean);
  const bad = refs.filter((ref) => !IMAGE_REF.test(ref) || ref.startsWith('bulkhead/'));
  if (bad.length) ctx.addIssue({ code: 'custom', message: `not an image reference outside bulkhead/*: ${bad.join(', ')} (write refs such as debian:trixie-slim, comma-separated, or none)` });
  return refs;
});

/** Setting name → environment variable; documented in docs/configuration.md. */
const schema = z.object({
  /** TCP port of the one HTTP + WebSocket listener. */
  PORT: positiveInt(0, 65_535).default(8080),
  /** Address to bind; loopback by default so a laptop never exposes a lab to the café Wi-Fi. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Built site served at /. */
  SITE_DIR: z.string().min(1).default(`${ROOT}dist`),
  /** Course content, read for lab definitions. */
  CONTENT_DIR: z.string().min(1).default(`${ROOT}content`),
  /** Where state (node:sqlite) lives. */
  DATA_DIR: z.string().min(1).default(`${ROOT}data`),
  /** Comma-separated Origins allowed to open the WebSocket; empty means the server's own origin only. */
  ALLOWED_ORIGINS: z.string().default(''),
  /** Name of this deployment; the reaper removes only objects labelled with it. */
  BULKHEAD_INSTANCE: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, dot, dash, underscore; at most 63').default('default'),
  /**
   * Where the Docker Engine listens, as the docker CLI reads it: unix:///path, tcp://host:port or
   * ssh://user@host. The engine's own socket is never mounted into a sandbox.
   */
  DOCKER_HOST: z.string().superRefine((value, ctx) => {
    try {
      parseDockerHost(value);
    } catch (error) {
      const why = (error as Error).message;
      ctx.addIssue({ code: 'custom', message: why.includes(DOCKER_HOST_FORMS) ? why : `${why} (accepted: ${DOCKER_HOST_FORMS})` });
    }
  }).default(DEFAULT_DOCKER_HOST),
  /** Any value turns on TLS for a tcp:// DOCKER_HOST, verified with the certificates in DOCKER_CERT_PATH (as the docker CLI does). */
  DOCKER_TLS_VERIFY: z.string().optional(),
  /** Folder with ca.pem, cert.pem and key.pem for DOCKER_TLS_VERIFY; default ~/.docker. */
  DOCKER_CERT_PATH: z.string().optional(),
  /** Sandbox memory limit in MiB (swap is set equal, so no swap). */
  SANDBOX_MEMORY_MIB: positiveInt(64, 4096).default(256),
  /** Sandbox CPU limit in thousandths of a CPU. */
  SANDBOX_MILLI_CPUS: positiveInt(100, 4000).default(500),
  /** Maximum processes in a sandbox: stops fork bombs. */
  SANDBOX_PIDS_LIMIT: positiveInt(16, 4096).default(256),
  /** Size of the writable tmpfs for $HOME and for /tmp, each, in MiB. */
  SANDBOX_TMPFS_MIB: positiveInt(8, 1024).default(64),
  /** Sandboxes kept pre-created per sandbox profile, so a lab starts with an exec (0 turns the pool off). */
  WARM_POOL_SIZE: positiveInt(0, 50).default(2),
  /**
   * Check runs (one request to a sandbox's check agent each) in flight at once, server-wide; the rest queue. Default: the number of
   * CPUs, so a room pressing Check together cannot starve the terminals.
   */
  CHECK_CONCURRENCY: positiveInt(1, 64).default(Math.max(1, availableParallelism())),
  /** Open files per process in a sandbox. */
  SANDBOX_NOFILE: positiveInt(64, 65_536).default(1024),
  /**
   * How learners open a web app running in their lab (docs/preview.md): `host` serves it at
   * `p<port>-<id>.<PREVIEW_HOST>`, an origin of its own; `path` at `/preview/<id>/<port>/` on this
   * server's origin, for deployments without a wildcard DNS name; `off` disables previews.
   */
  PREVIEW_MODE: z.enum(['host', 'path', 'off']).default('host'),
  /**
   * Parent domain of the preview host names. `localhost` works on one machine without DNS (browsers
   * resolve every `*.localhost` to loopback); a public deployment needs a wildcard DNS record and a
   * wildcard TLS certificate for it, ideally on a registrable domain of its own.
   */
  // The Docker gate's limits per session (docs/gate.md). Unset means the gate's own default (gate/policy.ts).
  /** Containers per session. */
  GATE_MAX_CONTAINERS: positiveInt(1, 100).optional(),
  /** Image tags a session may own. */
  GATE_MAX_IMAGES: positiveInt(1, 100).optional(),
  /** Named volumes per session. */
  GATE_MAX_VOLUMES: positiveInt(1, 100).optional(),
  /** Networks a session may create besides its own. */
  GATE_MAX_NETWORKS: positiveInt(1, 50).optional(),
  /** Memory cap of each container and build a learner starts, in MiB. */
  GATE_MAX_MEMORY_MIB: positiveInt(16, 16_384).optional(),
  /** CPU cap of each container and build, in thousandths of a CPU. */
  GATE_MAX_MILLI_CPUS: positiveInt(10, 16_000).optional(),
  /** Process cap of each container. */
  GATE_MAX_PIDS: positiveInt(16, 4096).optional(),
  /** Size cap of each tmpfs mount and /dev/shm, in MiB. */
  GATE_MAX_TMPFS_MIB: positiveInt(1, 1024).optional(),
  /** Largest `docker build` context, in MiB. */
  GATE_MAX_BUILD_CONTEXT_MIB: positiveInt(1, 1024).optional(),
  /** A `docker build` running longer is cancelled, in minutes. */
  GATE_BUILD_TIMEOUT_MIN: positiveInt(1, 120).optional(),
  /** Images beyond the catalog that learners may pull, run and build FROM (`none` for the catalog only). */
  GATE_IMAGE_ALLOWLIST: imageList.optional(),
  /**
   * Bearer token for GET /metrics. Unset, /metrics answers only when HOST is a loopback address (a
   * laptop); on any other address it is off (403) until a token is set, since the figures tell an
   * outsider how busy the server is and what the gate refuses.
   */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (for example the output of `openssl rand -hex 24`)').optional(),
  /**
   * Seconds open labs keep running after SIGTERM (docs/operations.md): no new labs are admitted, every
   * open terminal is told how long it has, then the sessions end and the process exits 0. 0 ends at once.
   */
  DRAIN_GRACE_S: positiveInt(0, 3600).default(30),
  /** Lowest level logged: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** json (one object per line), pretty (readable lines), or auto: pretty when stdout is a terminal, else json. */
  LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
  PREVIEW_HOST: z.string().regex(/^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/, 'a lower-case DNS name such as localhost or preview.example.net').default('localhost'),
}).strict();

export type Config = z.infer<typeof schema>;

/** Reads only the variables this schema knows; anything else in the environment is not ours to judge. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  if (env.DOCKER_SOCKET) {
    throw new LabError('CONFIG_INVALID', `DOCKER_SOCKET is no longer read: the engine setting is now DOCKER_HOST, as Docker's own tools name it. Set DOCKER_HOST=unix://${env.DOCKER_SOCKET} instead (and unset DOCKER_SOCKET).`);
  }
  const known = Object.fromEntries(
    Object.keys(schema.shape).filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const result = schema.safeParse(known);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    return `${name}=${JSON.stringify(env[name])}: ${issue.message}`;
  });
  throw new LabError('CONFIG_INVALID', `Invalid lab-server setting${lines.length > 1 ? 's' : ''}:\n  ${lines.join('\n  ')}`);
}

const MIB = 1024 * 1024;

/** The operator's GATE_* settings in the units of the gate's policy (buildGatePolicy in gate/policy.ts); unset ones are left out. */
export function gatePolicyOverrides(config: Config): {
  maxContainers?: number; maxImages?: number; maxVolumes?: number; maxNetworks?: number; memoryBytesMax?: number; nanoCpusMax?: number;
  pidsMax?: number; tmpfsBytesMax?: number; buildContextBytesMax?: number; buildTimeoutMs?: number; imageAllowlist?: string[];
} {
  const scaled = (value: number | undefined, factor: number) => (value === undefined ? undefined : value * factor);
  return {
    maxContainers: config.GATE_MAX_CONTAINERS, maxImages: config.GATE_MAX_IMAGES, maxVolumes: config.GATE_MAX_VOLUMES,
    maxNetworks: config.GATE_MAX_NETWORKS, memoryBytesMax: scaled(config.GATE_MAX_MEMORY_MIB, MIB),
    nanoCpusMax: scaled(config.GATE_MAX_MILLI_CPUS, 1_000_000), pidsMax: config.GATE_MAX_PIDS,
    tmpfsBytesMax: scaled(config.GATE_MAX_TMPFS_MIB, MIB), buildContextBytesMax: scaled(config.GATE_MAX_BUILD_CONTEXT_MIB, MIB),
    buildTimeoutMs: scaled(config.GATE_BUILD_TIMEOUT_MIN, 60_000), imageAllowlist: config.GATE_IMAGE_ALLOWLIST,
  };
}

/** The engine variables of an environment, for a caller (test, bench) that builds the rest of its config itself. */
export function engineEnv(env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  return { DOCKER_HOST: env.DOCKER_HOST, DOCKER_TLS_VERIFY: env.DOCKER_TLS_VERIFY, DOCKER_CERT_PATH: env.DOCKER_CERT_PATH, DOCKER_SOCKET: env.DOCKER_SOCKET };
}

/** Whether the server listens on a loopback address only (HOST), where /metrics needs no token. */
export function listensOnLoopback(config: Pick<Config, 'HOST'>): boolean {
  const host = config.HOST.trim().toLowerCase();
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function allowedOrigins(config: Config): string[] {
  return config.ALLOWED_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean);
}
