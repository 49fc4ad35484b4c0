import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  header: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs answers for these options (named so that the CLI's type declarations can be emitted). */
type Parsed<O extends Options, Strict extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: Strict }>
>;

/** Parses one command's arguments; unknown options are a usage error naming the option. */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O): Parsed<typeof GLOBAL_OPTIONS & O, true> {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** Reads only the options every command shares; the command checks the rest. */
export function parseGlobalArgs(argv: string[]): Parsed<typeof GLOBAL_OPTIONS, false> {
  try {
    return parseArgs({ args: argv, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got "${value}")`);
  return n;
}

/** `--header "X-Api-Key: secret"` → { 'X-Api-Key': 'secret' } */
export function parseHeaders(values: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of values ?? []) {
    const i = raw.indexOf(':');
    if (i <= 0) throw new UsageError(`--header must look like "Name: value" (got "${raw.slice(0, 40)}")`);
    headers[raw.slice(0, i).trim()] = raw.slice(i + 1).trim();
  }
  return headers;
}
