// The CLI's commands run in-process: main.ts calls this, and so can tests.
import { ComfyClient, ComfyError, ComfyHttp, ComfyValidationError } from '../comfy/index.ts';
import { setting } from '../config.ts';
import { parseGlobalArgs, parseHeaders, intOption, UsageError } from './args.ts';
import { commands } from './commands.ts';
import type { CliContext } from './context.ts';

const DEFAULT_URL = 'http://127.0.0.1:8188';

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'Usage: comfy <command> [options]   (npm run comfy -- <command> [options])',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  comfy ${c.usage}`),
    '',
    'Options for every command: --url URL (else $COMFYUI_URL, else http://127.0.0.1:8188), --json,',
    '  --header "Name: value" (repeatable, for a proxy in front of ComfyUI), --timeout MS',
  ].join('\n');
}

export async function runCli(argv: string[], io = { out: console.log, err: console.error }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.err(`Unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}.`);
    return 2;
  }
  try {
    // Global options are read here; each command reads its own from the same argv.
    const { values } = parseGlobalArgs(rest);
    if (values.help) {
      io.out(`comfy ${command.usage}\n  ${command.summary}`);
      return 0;
    }
    const url = str(values.url) ?? setting(process.env, 'COMFYUI_URL')?.split(',')[0]?.trim() ?? DEFAULT_URL;
    const headers = parseHeaders(values.header?.filter((h): h is string => typeof h === 'string'));
    const timeoutMs = intOption(str(values.timeout), 'timeout');
    const http = new ComfyHttp({ url, headers, timeoutMs });
    const ctx: CliContext = {
      http,
      newClient: () => new ComfyClient({ url, headers, timeoutMs }),
      json: values.json === true,
      out: io.out,
      err: io.err,
    };
    return (await command.run(ctx, rest)) ?? 0;
  } catch (err) {
    if (err instanceof ComfyValidationError) {
      io.err(`ComfyUI refused the workflow: ${err.error.message}`);
      for (const line of err.lines()) io.err(`  ${line}`);
      return 1;
    }
    if (err instanceof UsageError) {
      io.err(`${err.message}\nUsage: comfy ${command.usage}`);
      return 2;
    }
    if (err instanceof ComfyError || err instanceof Error) {
      io.err(err.message);
      return 1;
    }
    io.err(String(err));
    return 1;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
