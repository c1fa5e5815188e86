import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { handleFailures, printAndExit, usageError } from './exit.js';
import { checkValue, rawValue } from './options-check.js';
import { allOptions, type CommonOptions, type OptionSpec, type Parsed, type ToolSpec } from './spec.js';

/** Our own version, read from our package.json (yargs would find the caller's). */
export function version(): string {
  const pkg = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** The options every binary has besides its own, as --help and the man page show them. */
export const HELP_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', describe: 'print this help and exit', alias: 'h' },
  version: { type: 'boolean', describe: 'print the version and exit' },
};

/** How --help and the man page show an option's default: the value as typed, or the text for a default that is not one. */
export function shownDefault(o: OptionSpec): string | undefined {
  return o.defaultText ?? (o.default === undefined ? undefined : String(o.default));
}

/** Parses argv against the spec; usage errors exit 2, --help and --version exit 0. */
export function parseArgs<T>(spec: ToolSpec, argv = process.argv.slice(2)): Parsed<T> {
  handleFailures(spec.name);
  const options = allOptions(spec);
  // The build asks each tool for its spec to write its man page from (scripts/man-pages.mjs): one source for both.
  if (process.env.BSKY_TOOL_SPEC === '1') printAndExit(spec.name, JSON.stringify({ ...spec, options, version: version() }) + '\n');
  const y = parser(spec, argv, options);
  const operands = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  // Help comes first, whatever else is on the line, as yargs' own help would; we write it, so that a failed write is seen.
  if (operands.includes('--help') || operands.includes('-h')) printAndExit(spec.name, helpText(spec, y));
  const args = y.parseSync() as Record<string, unknown>;
  if (args.version) printAndExit(spec.name, `${spec.name} ${version()}\n`);
  for (const [name, o] of Object.entries(options)) {
    const value = args[name];
    // Errors name the flag as it was typed (`--kind` or `--kinds`).
    const spellings = [name, ...[o.alias ?? []].flat().filter((a) => a.length > 1)];
    const flag = `--${spellings.find((s) => rawValue(argv, s) !== undefined || argv.includes(`--${s}`)) ?? name}`;
    if (Array.isArray(value) && !o.array) usageError(spec.name, `${flag} given more than once`);
    for (const v of Array.isArray(value) ? value : [value]) {
      const bad = v === undefined ? undefined : checkValue(o, v, spellings.map((s) => rawValue(argv, s)).find((r) => r !== undefined));
      if (bad !== undefined) usageError(spec.name, `${flag}: ${bad}`);
    }
    // yargs gives a repeated option as a list and a single one as a value; a yargs array option would swallow positionals.
    if (o.array && value !== undefined && !Array.isArray(value)) args[name] = [value];
  }
  const files = ((args._ as unknown[]) ?? []).map(String);
  return { ...(args as T & CommonOptions), files };
}

/** yargs told every option, for parsing and for the options part of --help. */
function parser(spec: ToolSpec, argv: string[], options: Record<string, OptionSpec>): ReturnType<typeof yargs> {
  let y = yargs(argv)
    .scriptName(spec.name)
    .usage(`${spec.usage ?? `${spec.name} [options] [FILE...]`}\n\n${spec.summary}`)
    .parserConfiguration({ 'camel-case-expansion': true, 'strip-dashed': false })
    .version(false)
    .help(false)
    .strictOptions()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => usageError(spec.name, lowerFirst(msg || err?.message || 'invalid arguments')));
  for (const [name, o] of Object.entries({ ...HELP_OPTIONS, ...options })) {
    y = y.option(name, {
      type: o.type, describe: o.describe, default: o.default, defaultDescription: shownDefault(o),
      alias: o.alias, choices: o.choices, requiresArg: o.type !== 'boolean',
    });
  }
  return y;
}

/**
 * --help: yargs lays out the options; the examples follow, each command on a
 * line of its own, never wrapped, so that it can be copied as it is.
 */
function helpText(spec: ToolSpec, y: ReturnType<typeof yargs>): string {
  let text = '';
  y.showHelp((s: string) => {
    text = s;
  });
  const examples = spec.examples.map(([cmd, meaning]) => `  ${meaning}:\n    ${cmd}\n`).join('');
  return `${text.trimEnd()}\n${examples ? `\nExamples:\n${examples}` : ''}`;
}

/** yargs' own messages (`Unknown argument: x`) in the case of ours. */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
