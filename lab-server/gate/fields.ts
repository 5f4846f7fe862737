/**
 * Typed reading of a strictly-parsed JSON body: every key must be known (exactly, case included), every
 * value of the expected type. Bodies are then rebuilt from what was read, never forwarded as sent.
 */
import { badRequest } from './refusal.ts';
import { isObject, type JsonObject, type JsonValue } from './strict-json.ts';

const MAX_LIST_ITEMS = 256;
const MAX_MAP_ENTRIES = 128;
const MAX_TEXT_CHARS = 32 * 1024;

export function requireObject(value: JsonValue | undefined, where: string): JsonObject {
  if (!isObject(value)) throw badRequest(`${where} must be a JSON object.`);
  return value;
}

/** Refuses keys outside `known`, naming the first one: a typo, a case variant or a smuggled field. */
export function checkKeys(obj: JsonObject, known: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw badRequest(`${where} has the unknown field ${JSON.stringify(key.slice(0, 60))}; the lab's gate accepts only the fields it checks (field names are case-sensitive).`);
    }
  }
}

/** null, false, 0, "", [] and {} all mean "not set" in the engine's Go structs. */
export function isZero(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  return false;
}

export function str(obj: JsonObject, key: string, where: string): string {
  const value = obj[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`${where}.${key} must be a string.`);
  if (value.length > MAX_TEXT_CHARS) throw badRequest(`${where}.${key} is too long.`);
  return value;
}

export function bool(obj: JsonObject, key: string, where: string): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badRequest(`${where}.${key} must be true or false.`);
  return value;
}

/** An integer or undefined when absent/null. */
export function int(obj: JsonObject, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badRequest(`${where}.${key} must be an integer.`);
  return value;
}

export function strList(obj: JsonObject, key: string, where: string, options: { acceptString?: boolean } = {}): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && options.acceptString) return [value];
  if (!Array.isArray(value)) throw badRequest(`${where}.${key} must be a list of strings.`);
  if (value.length > MAX_LIST_ITEMS) throw badRequest(`${where}.${key} has too many entries.`);
  return value.map((item, i) => {
    if (typeof item !== 'string') throw badRequest(`${where}.${key}[${i}] must be a string.`);
    if (item.length > MAX_TEXT_CHARS) throw badRequest(`${where}.${key}[${i}] is too long.`);
    return item;
  });
}

export function strMap(obj: JsonObject, key: string, where: string): Record<string, string> | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const map = requireObject(value, `${where}.${key}`);
  const entries = Object.entries(map);
  if (entries.length > MAX_MAP_ENTRIES) throw badRequest(`${where}.${key} has too many entries.`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw badRequest(`${where}.${key}[${JSON.stringify(k.slice(0, 40))}] must be a string.`);
    if (k.length > 1024 || v.length > MAX_TEXT_CHARS) throw badRequest(`${where}.${key} has an entry that is too long.`);
    out[k] = v;
  }
  return out;
}

/** A map whose values must be empty objects (`ExposedPorts`, `Volumes`): only the keys carry meaning. */
export function keySet(obj: JsonObject, key: string, where: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const map = requireObject(value, `${where}.${key}`);
  const keys = Object.keys(map);
  if (keys.length > MAX_MAP_ENTRIES) throw badRequest(`${where}.${key} has too many entries.`);
  for (const k of keys) {
    const v = map[k];
    if (!(v === null || (isObject(v) && Object.keys(v).length === 0))) throw badRequest(`${where}.${key}[${JSON.stringify(k.slice(0, 40))}] must be {}.`);
  }
  return keys;
}

export function list(obj: JsonObject, key: string, where: string): JsonValue[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest(`${where}.${key} must be a list.`);
  if (value.length > MAX_LIST_ITEMS) throw badRequest(`${where}.${key} has too many entries.`);
  return value;
}

const FORBIDDEN_MOUNT_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * A path inside a container: absolute, canonical (no `.`/`..`/empty segments), printable, without the
 * `:` and `,` that the engine's own mount parsers split on.
 */
export function checkContainerPath(path: string, what: string): void {
  if (!path.startsWith('/') || path.length > 255 || !/^[\x21-\x7e]+$/.test(path) || /[:,\\]/.test(path)) {
    throw badRequest(`${what} ${JSON.stringify(path.slice(0, 80))} must be an absolute path of printable characters without ":" or ",".`);
  }
  if (path !== '/' && path.split('/').slice(1).some((s) => s === '' || s === '.' || s === '..')) {
    throw badRequest(`${what} ${JSON.stringify(path.slice(0, 80))} is not a canonical path (no ".", ".." or empty segments).`);
  }
}

/** Mount targets that would cover the container's kernel interfaces (runc CVE-2019-19921 mounted over /proc). */
export function isKernelPath(path: string): boolean {
  if (path === '/' || path === '/dev/shm') return path === '/';
  return FORBIDDEN_MOUNT_ROOTS.some((root) => path === root || path.startsWith(`${root}/`));
}

/** A signal as the engine accepts it: a name (with or without SIG) or a number. */
export const SIGNAL = /^(SIG)?[A-Z0-9+-]{1,16}$|^[0-9]{1,2}$/;

/** A Linux platform (`linux`, `linux/amd64`, `linux/arm64/v8`): the only kind this engine runs. */
export const LINUX_PLATFORM = /^linux(\/[a-z0-9]+(\/[a-z0-9]+)?)?$/;

/** `[height, width]` of a terminal, as create, exec and exec start carry it. */
export function isConsoleSize(value: JsonValue | undefined): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n < 10_000);
}
