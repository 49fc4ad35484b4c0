// What `npm start` runs once it has built the bot, read from package.json's start
// script (its one definition): `node <node options> <entry>`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './recordings.ts';

export function startScript(): { command: string; args: string[]; nodeOptions: string[] } {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command = '', ...args] = (pkg.scripts['start'] ?? '').split(/\s+/);
  return { command, args, nodeOptions: args.filter((a) => a.startsWith('--')) };
}
