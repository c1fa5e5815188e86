/** Parses a line that must hold one JSON object; gives the reason when it does not, as every tool words it. */
export function parseJsonObject(text: string): { object: Record<string, unknown>; reason?: undefined } | { object?: undefined; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { reason: 'not a JSON object' };
  return { object: value as Record<string, unknown> };
}
