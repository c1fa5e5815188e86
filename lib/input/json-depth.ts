/** The highest --max-depth: records this deep still parse, copy and print well within Node's stack (100,000 levels overflow it). */
export const MAX_DEPTH = 1000;

/**
 * True when a parsed JSON value nests deeper than `max` levels. JSON.parse
 * takes any depth, but JSON.stringify and recursive readers overflow the
 * stack, so deep values are rejected up front. Recursion stops at the limit.
 */
export function nestedDeeper(v: unknown, max: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (max <= 0) return true;
  if (Array.isArray(v)) {
    for (const item of v) if (nestedDeeper(item, max - 1)) return true;
    return false;
  }
  for (const key in v) if (nestedDeeper((v as Record<string, unknown>)[key], max - 1)) return true;
  return false;
}
