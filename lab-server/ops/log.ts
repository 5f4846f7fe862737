/**
 * lab-server's one logger: one JSON object per line (time, level, event, msg, and the fields of the
 * event), or a short readable line when stdout is a terminal. Built once in app.ts and handed to the
 * rooms as `Log`, which pino's logger satisfies and a test can fake.
 *
 * What never reaches a line: learner and session ids appear only hashed (the `session`, `learner` and
 * `viewer` fields are hashed here, whoever logs them), and ticket, secret, token, key, authorization and
 * cookie fields are censored. Keystrokes and terminal output are not logged anywhere; URLs are logged
 * by path only (`pathOf`), since a query may carry a ticket. docs/operations.md lists the fields.
 */
import { createHash } from 'node:crypto';
import { pino, stdTimeFunctions, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The fields of one line; `event` names what happened (`lab.started`, `session.ended`), dot-separated. */
export type LogFields = { event: string } & Record<string, unknown>;

/** What a room logs through. */
export interface Log {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: readable lines when stdout is a terminal, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Fields whose values identify a person or a session: kept, hashed, so lines of one session still group. */
const HASHED_FIELDS = ['session', 'learner', 'viewer'] as const;
/** Fields that carry a credential: never written, whatever logs them. */
const CENSORED_FIELDS = ['ticket', 'secret', 'token', 'key', 'authorization', 'cookie', 'password'];
/** Hex digits of the SHA-256 kept: enough to tell a day's sessions apart, not to recover an id. */
const HASH_HEX_DIGITS = 12;

/**
 * A short, stable digest of an id. Session ids and learner cookies are random 144-bit and 128-bit
 * tokens, so the digest cannot be reversed; it is stable so an operator can find the lines of a session
 * whose id a learner reads out (docs/operations.md shows how).
 */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, HASH_HEX_DIGITS);
}

/** A request URL as it may be logged: its path, without the query (tickets travel in `/ws?ticket=`). */
export function pathOf(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? '';
  return path.slice(0, 200);
}

/**
 * Hashes the id fields, and the same ids wherever they occur in the line's other strings: an engine's
 * error names the container `bulkhead-<instance>-<session>`, and the gate's socket path holds it too.
 */
function scrub(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const ids = new Map<string, string>();
  for (const name of HASHED_FIELDS) {
    const value = fields[name];
    if (typeof value === 'string' && value) ids.set(value, hashId(value));
  }
  if (ids.size === 0) return fields;
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') copy[name] = value;
    else if (ids.has(value)) copy[name] = ids.get(value);
    else copy[name] = [...ids].reduce((text, [id, hash]) => text.split(id).join(hash), value);
  }
  return copy;
}

/** One line as a person reads it: `12:01:02.345 INFO  session.started  Started … lab=namespaces`. */
export function prettyLine(json: string): string {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, event, msg, ...rest } = line;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${clock} ${String(level).toUpperCase().padEnd(5)} ${String(event ?? '-')}  ${String(msg ?? '')}${extra ? `  ${extra}` : ''}\n`;
}

/** A destination that writes readable lines instead of JSON (LOG_FORMAT=pretty, or auto on a terminal). */
function prettyDestination(out: { write(text: string): unknown }): DestinationStream {
  return { write: (json: string) => void out.write(prettyLine(json)) };
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; stdout (synchronously, so a line before exit is not lost) by default. */
  destination?: { write(text: string): unknown };
  /** Whether stdout is a terminal, for `auto`. */
  isTty?: boolean;
}

export type Logger = Log & { child(bindings: Record<string, unknown>): Logger };

/** pino applies `formatters.bindings` to its base only; a child's bindings are scrubbed here. */
function wrap(logger: PinoLogger): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    child: (bindings) => wrap(logger.child(scrub(bindings))),
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && (options.isTty ?? process.stdout.isTTY === true));
  const out: { write(text: string): unknown } = options.destination ?? pino.destination({ dest: 1, sync: true });
  const logger = pino({
    level: options.level ?? 'info',
    base: null,
    timestamp: stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => scrub(fields),
    },
    redact: { paths: [...CENSORED_FIELDS, ...CENSORED_FIELDS.map((name) => `*.${name}`)], censor: '[redacted]' },
  }, pretty ? prettyDestination(out) : (out as DestinationStream));
  return wrap(logger);
}

/**
 * The shape a room logs in when it names what happened in a sentence and fields (the gate's
 * `GateLog`): the sentence becomes the event's name, `gate: engine unreachable` → `gate.engine_unreachable`.
 */
export function sentenceLog(log: Log): { info(message: string, fields?: Record<string, unknown>): void; warn(message: string, fields?: Record<string, unknown>): void } {
  /** Up to the first `;` or `(`, at most 60 characters: the rest of the sentence is in `msg`. */
  const event = (message: string) => (message.split(/[;(]/)[0] ?? '').trim().replace(/:\s*/, '.').replace(/[^\w.]+/g, '_').toLowerCase().slice(0, 60);
  return {
    info: (message, fields) => log.info({ ...fields, event: event(message) }, message),
    warn: (message, fields) => log.warn({ ...fields, event: event(message) }, message),
  };
}

/** A logger that writes nothing (tests, scripts). */
export const SILENT: Logger = createLogger({ level: 'silent', format: 'json', destination: { write: () => true } });
