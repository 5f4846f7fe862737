/**
 * A JSON parser stricter than the engine's, so that what the gate checks is what the engine would read.
 * Go's encoding/json matches object keys case-insensitively (with Unicode folding: `ſ` matches `s`),
 * keeps the last of duplicate keys and ignores data after the first value; an authorization check that
 * reads the first `Privileged` while the engine reads the last is a classic bypass. So here: duplicate
 * keys are refused (also when they differ only by case or fold), nothing may follow the value, invalid
 * UTF-8 and lone surrogates are refused, depth and size are bounded. Objects have a null prototype, so
 * a `__proto__` key is plain data.
 */
import { badRequest } from './refusal.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject { [key: string]: JsonValue }

const MAX_DEPTH = 32;
const MAX_STRING_CHARS = 256 * 1024;

/** Go folds these two non-ASCII letters onto ASCII ones when matching struct fields. */
function foldKey(key: string): string {
  return key.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase();
}

export function parseStrictJson(bytes: Uint8Array): JsonValue {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw badRequest('the request body is not valid UTF-8.');
  }
  let i = 0;
  const fail = (what: string): never => { throw badRequest(`the request body is not valid JSON (${what} at byte ${i}).`); };
  const ws = () => { while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };

  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; break; }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        const e = text[i + 1];
        i += 2;
        if (e === 'u') {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else {
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          const v = e === undefined ? undefined : map[e];
          if (v === undefined) fail('bad escape');
          out += v;
        }
      } else {
        out += text[i];
        i++;
      }
      if (out.length > MAX_STRING_CHARS) fail('string too long');
    }
    if (!out.isWellFormed()) fail('lone surrogate in string');
    return out;
  };

  const parseNumber = (): number => {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 64));
    if (!match) fail('bad number');
    const literal = match![0];
    i += literal.length;
    const value = Number(literal);
    if (!Number.isFinite(value)) fail('number out of range');
    if (/^-?[0-9]+$/.test(literal) && !Number.isSafeInteger(value)) fail('integer out of range');
    return value;
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: JsonObject = Object.create(null) as JsonObject;
      const folded = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = parseString();
        const fold = foldKey(key);
        if (folded.has(fold)) throw badRequest(`the request body has the key "${key}" twice (keys that differ only by case count as the same, as the Docker Engine reads them); send each field once.`);
        folded.add(fold);
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        obj[key] = parseValue(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(parseValue(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return value; }
    }
    return fail('unexpected character');
  };

  const value = parseValue(0);
  ws();
  if (i !== text.length) fail('data after the JSON value');
  return value;
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
