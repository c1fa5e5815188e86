import type { Key } from './windower.js';

/**
 * The group keys of a row field: a scalar is one key; an array gives one key
 * per distinct element (a post in two languages counts once under each); a
 * missing field, null or an empty array gives the key null, so that no row
 * drops out of the totals. Objects become their JSON text.
 */
export function keysOf(value: unknown): Key[] {
  if (value === undefined || value === null) return [null];
  if (Array.isArray(value)) {
    if (value.length === 0) return [null];
    if (value.length === 1) return [scalar(value[0])];
    return unique(value.map(scalar));
  }
  return [scalar(value)];
}

/**
 * The values of a row field for a distinct count: a scalar is one value, an
 * array each of its elements; a missing field or null adds nothing.
 */
export function valuesOf(value: unknown): Key[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(scalar);
  return [scalar(value)];
}

function scalar(v: unknown): Key {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v) ?? null;
}

function unique(keys: Key[]): Key[] {
  const seen = new Set<string>();
  const out: Key[] = [];
  for (const k of keys) {
    const id = typeof k === 'string' ? 's' + k : String(k);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(k);
  }
  return out;
}
