/** Parses a line that must hold one JSON object; gives the reason when it does not, as every tool words it. */
export function parseJsonObject(text: string): { object: Record<string, unknown>; reason?: undefined } | { object?: undefined; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (!isJsonObject(value)) return { reason: 'not a JSON object' };
  return { object: value };
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A JSON value shortened for an error message (`missing` when absent). */
export function preview(v: unknown): string {
  const s = v === undefined ? 'missing' : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 59) + '…' : s;
}
