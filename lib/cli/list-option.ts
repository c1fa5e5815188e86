/** Splits a comma-separated option value (`like,post`) into trimmed, non-empty items. */
export function listOption(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
