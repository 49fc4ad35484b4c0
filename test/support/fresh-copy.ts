// A fresh copy of the repository, as a newcomer's clone would be: only the files git
// tracks (or would track: new files not yet committed count, ignored ones like .env,
// data/ and dist/ do not), with this checkout's node_modules linked in so that
// nothing is downloaded, and ../shared beside it as beside this checkout.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from './recordings.ts';

export interface FreshCopy {
  /** The copy's root (its package.json, README, .env.example, …). */
  dir: string;
  /** A scratch folder beside the copy, removed with it. */
  scratch: string;
  remove(): void;
}

export function freshCopy(prefix = 'comfycord-copy-'): FreshCopy {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(base, 'comfycord');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = join(REPO_ROOT, file);
    if (!existsSync(from)) continue; // deleted in the working tree, not yet in the index
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(from, join(dir, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const shared = resolve(REPO_ROOT, '../shared');
  if (existsSync(shared)) symlinkSync(shared, join(base, 'shared'), 'dir');
  const scratch = join(base, 'scratch');
  mkdirSync(scratch);
  return { dir, scratch, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** The environment for npm in a child process: no update check, audit or funding messages (no network). */
export function npmEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    ...extra,
  };
}
