// Runs a TypeScript entry point in a child node process (tsx as a loader, not
// as a wrapper process), so signals reach the program itself: a SIGKILL kills it.
import { spawn, type SpawnOptions } from 'node:child_process';
import { REPO_ROOT } from './recordings.ts';

export function spawnTs(script: string, args: string[] = [], options: SpawnOptions = {}) {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, ...options });
}
