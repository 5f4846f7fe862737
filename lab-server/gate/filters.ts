/**
 * The `filters` query parameter of list and event endpoints. The gate reads it (both JSON shapes the
 * engine accepts), refuses keys it does not handle and reserved labels, and answers name filters
 * itself: the engine matches names as regular expressions against engine-side names, which the learner
 * does not see. Name patterns are limited to a small, linear-time subset of regular expressions.
 */
import { isReservedLabel } from './naming.ts';
import { badRequest, forbidden } from './refusal.ts';
import { isObject, parseStrictJson } from './strict-json.ts';

export type Filters = Map<string, string[]>;

const MAX_FILTER_VALUES = 32;

export function parseFilters(raw: string | undefined, allowed: readonly string[]): Filters {
  const filters: Filters = new Map();
  if (raw === undefined || raw === '') return filters;
  const parsed = parseStrictJson(Buffer.from(raw));
  if (!isObject(parsed)) throw badRequest('filters must be a JSON object.');
  for (const [key, value] of Object.entries(parsed)) {
    if (!allowed.includes(key)) throw badRequest(`the filter "${key.slice(0, 40)}" is not available in the lab (available: ${allowed.join(', ')}).`);
    let values: string[];
    if (Array.isArray(value)) values = value.map((v) => { if (typeof v !== 'string') throw badRequest('filter values must be strings.'); return v; });
    else if (isObject(value)) values = Object.entries(value).map(([k, v]) => { if (v !== true) throw badRequest('filter values must be true.'); return k; });
    else throw badRequest('filters must map a key to a list of values.');
    if (values.length > MAX_FILTER_VALUES) throw badRequest('too many filter values.');
    for (const v of values) if (v.length > 256) throw badRequest('filter value too long.');
    if (key === 'label') {
      for (const v of values) {
        if (isReservedLabel(v)) throw forbidden(`filtering on the label "${v.slice(0, 60)}"`, 'labels starting with "bulkhead." belong to the lab, which already shows you only your own objects', 'inspect');
      }
    }
    if (values.length) filters.set(key, values);
  }
  return filters;
}

export function toEngineFilters(filters: Filters, keys: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of keys) {
    const values = filters.get(key);
    if (values?.length) out[key] = values;
  }
  return out;
}

/**
 * A name pattern as a RegExp that cannot backtrack badly: letters, digits, `_ . / : -`, anchors, and at
 * most two of `* + ?` with no groups, classes or alternation. Go's regexp (RE2) semantics on this subset.
 */
export function namePattern(pattern: string): RegExp {
  if (pattern.length > 128 || !/^\^?[A-Za-z0-9_./:*+?-]*\$?$/.test(pattern) || (pattern.match(/[*+?]/g)?.length ?? 0) > 2 || /^[*+?]|[*+?]{2}/.test(pattern.replace(/^\^/, ''))) {
    throw badRequest(`the name filter ${JSON.stringify(pattern.slice(0, 40))} is not supported in the lab: use a plain name, optionally with ^, $, ".", and at most two of * + ?.`);
  }
  return new RegExp(pattern);
}

/** Whether any of the learner's names matches every name filter (the engine ORs values of one key). */
export function matchesNames(filters: Filters, names: readonly string[]): boolean {
  const patterns = filters.get('name');
  if (!patterns?.length) return true;
  return patterns.some((p) => {
    const re = namePattern(p);
    return names.some((n) => re.test(n) || re.test(`/${n}`));
  });
}
