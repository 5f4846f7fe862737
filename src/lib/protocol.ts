/**
 * The terminal protocol between the browser and lab-server, version 1. One definition for both ends.
 *
 * Binary frames carry terminal bytes: the first byte is an opcode, the rest the payload.
 *   0x00 INPUT   client → server  keystrokes (UTF-8)
 *   0x01 OUTPUT  server → client  terminal output (raw bytes; the client decodes UTF-8 as a stream)
 *   0x02 RESIZE  client → server  cols (uint16 BE), rows (uint16 BE)
 * Text frames carry JSON control messages, validated here by hand so the browser bundle stays small.
 */
export const PROTOCOL_VERSION = 1;
export const OP_INPUT = 0x00;
export const OP_OUTPUT = 0x01;
export const OP_RESIZE = 0x02;
export const MIN_COLS = 2;
export const MAX_COLS = 500;
export const MIN_ROWS = 2;
export const MAX_ROWS = 200;
/** Largest frame either side may send; a paste larger than this is split by the client. */
export const MAX_FRAME_BYTES = 64 * 1024;

export type ClientHello = {
  type: 'hello';
  v: number;
  cols: number;
  rows: number;
  /** Present on reconnect: the session to resume and how many output bytes the client already has. */
  resume?: { session: string; offset: number };
};
/** Ask to become the tab that types (the others keep watching). */
export type ClientTakeover = { type: 'takeover' };
/** Run the checks now (the Check button); all exercises of the lab when `exercise` is absent. */
export type ClientCheck = { type: 'check'; exercise?: string };
/** An answer typed in the page for an `answer` criterion. */
export type ClientAnswer = { type: 'answer'; exercise: string; criterion: string; value: string };
export type ClientControl = ClientHello | ClientTakeover | ClientCheck | ClientAnswer;
/** Longest answer a learner may type. */
export const MAX_ANSWER_CHARS = 500;

/**
 * Every error code lab-server may give, on the terminal socket, in an API reply or in a log line. One
 * union, so the server's `LabError` and the browser agree; the groups are who usually sees them.
 */
export type ErrorCode =
  // The terminal socket and the API.
  | 'BAD_FRAME' | 'BAD_MESSAGE' | 'UNSUPPORTED_VERSION' | 'NOT_READY' | 'ENGINE_UNAVAILABLE' | 'ENGINE_ERROR'
  | 'SANDBOX_FAILED' | 'SESSION_GONE' | 'LIMIT_REACHED' | 'RATE_LIMITED' | 'NOT_ADMITTED' | 'INTERNAL'
  /** The server is stopping (SIGTERM): it admits no new lab; open ones run until the drain's end. */
  | 'DRAINING'
  // HTTP requests (API, workshops, the gate's answers to the docker CLI).
  | 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'METHOD' | 'TOO_LARGE' | 'URI_TOO_LONG'
  | 'ENDED' | 'FULL' | 'NAME_TAKEN'
  // The Docker gate's refusals.
  | 'POLICY' | 'QUOTA' | 'UNSUPPORTED'
  // Operators and authors: start-up, images, store, checks.
  | 'CONFIG_INVALID' | 'IMAGE_MISSING' | 'STORE_UNAVAILABLE' | 'STORE_MIGRATION' | 'GATE_ENGINE' | 'GATE_NETWORK'
  | 'CONTENT_INVALID' | 'CHECK_AGENT' | 'USAGE'
  // `npm run images`.
  | 'BAD_FLAG' | 'NO_BOOTSTRAP_TOOL' | 'BOOTSTRAP_NEEDS_ROOT' | 'BOOTSTRAP_FAILED' | 'COMMAND_FAILED' | 'BUILD_FAILED' | 'INTERRUPTED';

/** The codes a browser may receive in a terminal `error` message; anything else arrives as INTERNAL. */
export const TERMINAL_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_FRAME', 'BAD_MESSAGE', 'UNSUPPORTED_VERSION', 'NOT_READY', 'ENGINE_UNAVAILABLE', 'ENGINE_ERROR',
  'SANDBOX_FAILED', 'SESSION_GONE', 'LIMIT_REACHED', 'RATE_LIMITED', 'NOT_ADMITTED', 'INTERNAL', 'DRAINING',
]);

export type ServerControl =
  /** `offset`: the output offset the next OUTPUT byte has (after a replay, where the client's copy resumes). */
  | { type: 'ready'; session: string; lab: string; expiresAt: number; idleTimeoutMs: number; offset: number; role: 'typist' | 'viewer'; lost: number }
  /** Another tab of the same learner took over typing, or gave it back. */
  | { type: 'role'; role: 'typist' | 'viewer' }
  /** The session ended for good: `reason` is idle, limit, ended (by the learner or an instructor) or shell. */
  | { type: 'expired'; reason: 'idle' | 'limit' | 'ended' | 'shell' | 'server'; message: string }
  | { type: 'progress'; message: string }
  /** Someone (an instructor) is watching this terminal read-only; `watchers` is how many now. */
  | { type: 'watched'; watchers: number; by: string }
  /** Results of one exercise's checks; `done` once every criterion passed (now or before). */
  | { type: 'checks'; lab: string; exercise: string; done: boolean; results: CriterionResult[] }
  /** A message from the workshop's instructor, shown on the page. */
  | { type: 'broadcast'; message: string; from: string }
  | { type: 'exit'; code: number | null; message: string }
  | { type: 'expiring'; expiresAt: number }
  /** The server is stopping: this session ends at `endsAt` (epoch ms); `message` says so in a sentence. */
  | { type: 'draining'; endsAt: number; message: string }
  | { type: 'error'; code: ErrorCode; message: string; retryAfterMs?: number };

export interface CriterionResult {
  criterion: string;
  passed: boolean;
  /** Short, specific and not spoiling: what is still wrong, or what is right. */
  message: string;
}

export type BinaryFrame =
  | { op: typeof OP_INPUT; data: Uint8Array }
  | { op: typeof OP_OUTPUT; data: Uint8Array }
  | { op: typeof OP_RESIZE; cols: number; rows: number };

export class ProtocolError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function encodeData(op: typeof OP_INPUT | typeof OP_OUTPUT, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(data.length + 1);
  frame[0] = op;
  frame.set(data, 1);
  return frame;
}

export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(value) || min));
  return { cols: clamp(cols, MIN_COLS, MAX_COLS), rows: clamp(rows, MIN_ROWS, MAX_ROWS) };
}

export function encodeResize(cols: number, rows: number): Uint8Array<ArrayBuffer> {
  const size = clampSize(cols, rows);
  return Uint8Array.of(OP_RESIZE, size.cols >> 8, size.cols & 0xff, size.rows >> 8, size.rows & 0xff);
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

export function decodeBinary(frame: Uint8Array): BinaryFrame {
  if (frame.length === 0) throw new ProtocolError('BAD_FRAME', 'empty frame');
  if (frame.length > MAX_FRAME_BYTES + 1) throw new ProtocolError('BAD_FRAME', 'frame too large');
  const op = frame[0];
  if (op === OP_INPUT || op === OP_OUTPUT) return { op, data: frame.subarray(1) };
  if (op === OP_RESIZE) {
    if (frame.length !== 5) throw new ProtocolError('BAD_FRAME', 'resize frames are 5 bytes');
    const cols = ((frame[1] ?? 0) << 8) | (frame[2] ?? 0);
    const rows = ((frame[3] ?? 0) << 8) | (frame[4] ?? 0);
    if (!inRange(cols, MIN_COLS, MAX_COLS) || !inRange(rows, MIN_ROWS, MAX_ROWS)) {
      throw new ProtocolError('BAD_FRAME', `terminal size ${cols}x${rows} is outside ${MIN_COLS}-${MAX_COLS} x ${MIN_ROWS}-${MAX_ROWS}`);
    }
    return { op, cols, rows };
  }
  throw new ProtocolError('BAD_FRAME', `unknown opcode ${op}`);
}

function parseJsonObject(text: string): Record<string, unknown> {
  if (text.length > MAX_FRAME_BYTES) throw new ProtocolError('BAD_MESSAGE', 'control message too large');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('BAD_MESSAGE', 'control messages are JSON objects');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError('BAD_MESSAGE', 'control messages are JSON objects');
  return value as Record<string, unknown>;
}

function onlyKeys(message: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(message).filter((key) => !allowed.includes(key));
  if (extra.length) throw new ProtocolError('BAD_MESSAGE', `unknown field(s): ${extra.join(', ')}`);
}

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;
const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && ID.test(value);
}

export function parseClientControl(text: string): ClientControl {
  const message = parseJsonObject(text);
  if (message.type === 'takeover') {
    onlyKeys(message, ['type']);
    return { type: 'takeover' };
  }
  if (message.type === 'check') {
    onlyKeys(message, ['type', 'exercise']);
    if (message.exercise !== undefined && !isId(message.exercise)) throw new ProtocolError('BAD_MESSAGE', 'exercise must be an id');
    return message.exercise === undefined ? { type: 'check' } : { type: 'check', exercise: message.exercise as string };
  }
  if (message.type === 'answer') {
    onlyKeys(message, ['type', 'exercise', 'criterion', 'value']);
    const { exercise, criterion, value } = message;
    if (!isId(exercise) || !isId(criterion)) throw new ProtocolError('BAD_MESSAGE', 'answer needs exercise and criterion ids');
    if (typeof value !== 'string' || value.length > MAX_ANSWER_CHARS) throw new ProtocolError('BAD_MESSAGE', `answers are text of at most ${MAX_ANSWER_CHARS} characters`);
    return { type: 'answer', exercise: exercise as string, criterion: criterion as string, value };
  }
  if (message.type !== 'hello') throw new ProtocolError('BAD_MESSAGE', `unknown message type ${JSON.stringify(message.type)}`);
  onlyKeys(message, ['type', 'v', 'cols', 'rows', 'resume']);
  if (message.v !== PROTOCOL_VERSION) throw new ProtocolError('UNSUPPORTED_VERSION', `this server speaks protocol ${PROTOCOL_VERSION}; reload the page`);
  const { cols, rows, resume } = message;
  if (typeof cols !== 'number' || typeof rows !== 'number' || !inRange(cols, MIN_COLS, MAX_COLS) || !inRange(rows, MIN_ROWS, MAX_ROWS)) {
    throw new ProtocolError('BAD_MESSAGE', 'hello needs cols and rows within the allowed terminal size');
  }
  const hello: ClientHello = { type: 'hello', v: PROTOCOL_VERSION, cols, rows };
  if (resume !== undefined) {
    if (typeof resume !== 'object' || resume === null) throw new ProtocolError('BAD_MESSAGE', 'resume must be an object');
    const r = resume as Record<string, unknown>;
    onlyKeys(r, ['session', 'offset']);
    if (typeof r.session !== 'string' || !SESSION_ID.test(r.session) || typeof r.offset !== 'number' || !Number.isSafeInteger(r.offset) || r.offset < 0) {
      throw new ProtocolError('BAD_MESSAGE', 'resume needs a session id and a non-negative offset');
    }
    hello.resume = { session: r.session, offset: r.offset };
  }
  return hello;
}

const SERVER_TYPES = new Set(['ready', 'role', 'progress', 'watched', 'checks', 'broadcast', 'exit', 'expired', 'expiring', 'draining', 'error']);

export function parseServerControl(text: string): ServerControl {
  const message = parseJsonObject(text);
  if (typeof message.type !== 'string' || !SERVER_TYPES.has(message.type)) throw new ProtocolError('BAD_MESSAGE', 'unknown server message');
  return message as ServerControl;
}
