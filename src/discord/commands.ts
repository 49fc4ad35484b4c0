// Reads the commands/ folder: each file exports `command`; the same list is dispatched and registered.
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from './command.ts';

const COMMANDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../commands');

export async function loadCommands(dir = COMMANDS_DIR): Promise<Map<string, Command>> {
  const files = (await readdir(dir)).filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts')).sort();
  const commands = new Map<string, Command>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { command?: Command };
    if (!mod.command) throw new Error(`commands/${file} does not export "command"`);
    commands.set(mod.command.name, mod.command);
  }
  return commands;
}
