/**
 * What a workshop is, and the pure rules for what instructors and learners type: join codes, display
 * names, titles, seat counts and durations. No I/O here, so every rule has a unit test.
 */
import { randomInt } from 'node:crypto';
import { LabError, type ErrorCode, type LabErrorOptions } from '../errors.ts';

/** Letters and digits without 0/O and 1/I, so a code read off a projector cannot be mistyped between look-alikes. */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 6;
export const MAX_TITLE_CHARS = 80;
export const MAX_NAME_CHARS = 40;
export const MAX_SEATS = 200;
export const MAX_DURATION_MS = 12 * 60 * 60_000;
export const MAX_STARTS_IN_MS = 14 * 24 * 60 * 60_000;
export const MAX_EXTEND_MS = 4 * 60 * 60_000;
export const MAX_BROADCAST_CHARS = 500;

export type { WorkshopStatus } from '../../src/lib/workshop-view.ts';
import type { WorkshopStatus } from '../../src/lib/workshop-view.ts';

export interface Workshop {
  id: string;
  code: string;
  title: string;
  /** Lesson slugs, in the order the workshop takes them. */
  lessons: string[];
  seats: number;
  startsAt: number;
  endsAt: number;
  createdAt: number;
  /** When it was ended (by the instructor, or by the clock at `endsAt`); absent while it runs. */
  endedAt?: number;
}

export interface Seat {
  /** Public id of the seat: shown to the instructor instead of the learner's cookie, which is a credential. */
  id: string;
  workshop: string;
  learner: string;
  name: string;
  joinedAt: number;
}

/** The codes the workshop API answers with; the pages read them (src/components/workshop-*.ts). */
export type WorkshopErrorCode = Extract<ErrorCode, 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'ENDED' | 'FULL' | 'NAME_TAKEN' | 'RATE_LIMITED' | 'INTERNAL'>;

/** A refusal of the workshop room: a LabError (its status from the code, unless `status` says otherwise). */
export class WorkshopError extends LabError {
  constructor(code: WorkshopErrorCode, message: string, options?: LabErrorOptions) {
    super(code, message, options);
    this.name = 'WorkshopError';
  }
}

export function statusOf(workshop: Workshop, now: number): WorkshopStatus {
  if (workshop.endedAt !== undefined || now >= workshop.endsAt) return 'ended';
  return now < workshop.startsAt ? 'scheduled' : 'running';
}

export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What a learner typed, as a code: case, spaces and dashes do not matter. Undefined when it cannot be a code. */
export function normalizeCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== CODE_LENGTH) return undefined;
  for (const char of code) if (!CODE_ALPHABET.includes(char)) return undefined;
  return code;
}

/**
 * Control, format (bidi overrides, zero-width), separator, private-use and unassigned characters; the
 * zero-width joiner stays allowed because emoji sequences need it.
 */
const UNPRINTABLE = /(?!\u200d)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/u;

/** A short single line of text for people to read: trimmed, inner whitespace collapsed, printable only. */
function cleanLine(input: unknown, what: string, max: number): string {
  if (typeof input !== 'string') throw new WorkshopError('BAD_REQUEST', `${what} is missing.`);
  if (UNPRINTABLE.test(input.replace(/[\t\n\r]/g, ' '))) {
    throw new WorkshopError('BAD_REQUEST', `${what} may only hold letters, digits, spaces and punctuation.`);
  }
  const text = input.normalize('NFC').replace(/\s+/g, ' ').trim();
  const length = [...text].length;
  if (length === 0) throw new WorkshopError('BAD_REQUEST', `${what} is empty.`);
  if (length > max) throw new WorkshopError('BAD_REQUEST', `${what} is ${length} characters long; use at most ${max}.`);
  return text;
}

export function validateName(input: unknown): string {
  if (typeof input === 'string' && /[\t\n\r]/.test(input)) {
    throw new WorkshopError('BAD_REQUEST', 'Your display name must be one line.');
  }
  return cleanLine(input, 'Your display name', MAX_NAME_CHARS);
}

export function validateTitle(input: unknown): string {
  return cleanLine(input, 'The workshop title', MAX_TITLE_CHARS);
}

/** A broadcast may span lines (the instructor pastes a command); other control characters are refused. */
export function validateBroadcast(input: unknown): string {
  if (typeof input !== 'string') throw new WorkshopError('BAD_REQUEST', 'The message is missing.');
  const text = input.normalize('NFC').replace(/\r\n?/g, '\n').trim();
  if (UNPRINTABLE.test(text.replace(/[\n\t]/g, ' '))) {
    throw new WorkshopError('BAD_REQUEST', 'The message may only hold printable text.');
  }
  if (!text) throw new WorkshopError('BAD_REQUEST', 'The message is empty.');
  if ([...text].length > MAX_BROADCAST_CHARS) throw new WorkshopError('BAD_REQUEST', `The message is too long; use at most ${MAX_BROADCAST_CHARS} characters.`);
  return text;
}

export function validateSeats(input: unknown): number {
  const seats = typeof input === 'string' && /^\d+$/.test(input) ? Number(input) : input;
  if (typeof seats !== 'number' || !Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS) {
    throw new WorkshopError('BAD_REQUEST', `Seats must be a whole number from 1 to ${MAX_SEATS}.`);
  }
  return seats;
}

/** `3h`, `90m`, `1h30m`, `45s` or a bare number of minutes, in milliseconds. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input * 60_000) : undefined;
  if (typeof input !== 'string') return undefined;
  const text = input.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text) * 60_000;
  const match = /^(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?\s*(?:(\d+)s)?$/.exec(text);
  if (!match || (!match[1] && !match[2] && !match[3])) return undefined;
  return (Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours && rest) return `${hours} h ${rest} min`;
  return hours ? `${hours} h` : `${rest} min`;
}

export function validateDuration(input: unknown, what: string, min: number, max: number): number {
  const ms = parseDuration(input);
  if (ms === undefined || ms < min || ms > max) {
    throw new WorkshopError('BAD_REQUEST', `${what} must be between ${formatDuration(min)} and ${formatDuration(max)}, written like 3h, 90m or 1h30m.`);
  }
  return ms;
}

/**
 * The workshop's lessons from what the instructor typed: course numbers (`2,8,10`) or slugs
 * (`inspect,capabilities`), in the order given, each once.
 */
export function resolveLessons(input: unknown, lessons: ReadonlyArray<{ slug: string; order: number }>): string[] {
  const items = Array.isArray(input) ? input : typeof input === 'string' ? input.split(',') : undefined;
  if (!items || items.length === 0) throw new WorkshopError('BAD_REQUEST', 'Name at least one lesson, by number (2,8,10) or by slug.');
  const out: string[] = [];
  for (const raw of items) {
    const item = String(raw).trim();
    const lesson = /^\d{1,3}$/.test(item) ? lessons.find((l) => l.order === Number(item)) : lessons.find((l) => l.slug === item);
    if (!lesson) {
      const known = lessons.map((l) => `${l.order} ${l.slug}`).join(', ');
      throw new WorkshopError('BAD_REQUEST', `There is no lesson "${item.slice(0, 40)}". Lessons: ${known}.`);
    }
    if (!out.includes(lesson.slug)) out.push(lesson.slug);
  }
  return out;
}
