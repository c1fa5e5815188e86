/** When to colour: `auto` means a terminal and no NO_COLOR in the environment. */
export type ColorMode = 'auto' | 'always' | 'never';

/** Decides colour from the flag, whether stdout is a terminal, and the environment. */
export function useColor(mode: ColorMode, isTTY: boolean, env: Record<string, string | undefined>): boolean {
  if (mode !== 'auto') return mode === 'always';
  // no-color.org: set and non-empty disables colour.
  return isTTY && !env.NO_COLOR;
}

/** Paints text with SGR codes, or passes it through unchanged. */
export interface Paint {
  bar(text: string): string;
  title(text: string): string;
  dim(text: string): string;
}

const sgr = (code: string) => (text: string): string => (text ? `\x1b[${code}m${text}\x1b[0m` : text);
const plain = (text: string): string => text;

/** The paints for coloured or plain output. */
export function paint(color: boolean): Paint {
  return color ? { bar: sgr('32'), title: sgr('1'), dim: sgr('2') } : { bar: plain, title: plain, dim: plain };
}
