/**
 * Terminal width of text: CJK and emoji take two cells, combining marks and
 * joiners none. A small east-asian-width table: enough for labels, not a
 * full UAX #11 implementation.
 */

const WIDE: ReadonlyArray<[number, number]> = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x2e80, 0x303e], [0x3041, 0x33ff],
  [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

const ZERO = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI = /\p{Emoji_Presentation}|\uFE0F/u;
// Made on first use (about 10 ms; most labels are ASCII and never need it).
let segmenter: Intl.Segmenter | undefined;
const graphemes = (): Intl.Segmenter => (segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' }));

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid];
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Cells one grapheme cluster takes on a terminal. */
export function clusterWidth(cluster: string): number {
  const cp = cluster.codePointAt(0) ?? 0;
  if (cluster.length === 1 && cp < 0x7f) return cp < 0x20 ? 0 : 1;
  if (EMOJI.test(cluster) || isWide(cp)) return 2;
  if (ZERO.test(String.fromCodePoint(cp))) return 0;
  return 1;
}

/** Cells a string takes on a terminal. */
export function stringWidth(text: string): number {
  // ASCII fast path: most labels are plain words and times.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let w = 0;
  for (const { segment } of graphemes().segment(text)) w += clusterWidth(segment);
  return w;
}

/** Makes a label safe to print: control characters (escape codes, newlines) become visible. */
export function sanitize(text: string): string {
  return text.replace(/[\t\n\r]/g, ' ').replace(/\p{Cc}/gu, '\uFFFD');
}

/** Cuts text to at most `cells` cells, ending with `…` when something was cut. */
export function truncate(text: string, cells: number): string {
  if (stringWidth(text) <= cells) return text;
  if (cells <= 0) return '';
  let out = '';
  let w = 0;
  for (const { segment } of graphemes().segment(text)) {
    const cw = clusterWidth(segment);
    if (w + cw > cells - 1) break;
    out += segment;
    w += cw;
  }
  return out + '…';
}

/** Pads text with spaces on the right to `cells` cells (truncating first if it is wider). */
export function padEnd(text: string, cells: number): string {
  const t = truncate(text, cells);
  return t + ' '.repeat(Math.max(0, cells - stringWidth(t)));
}

/** Pads text with spaces on the left to `cells` cells. */
export function padStart(text: string, cells: number): string {
  return ' '.repeat(Math.max(0, cells - stringWidth(text))) + text;
}
