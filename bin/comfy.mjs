#!/usr/bin/env node
// The `comfy` command. In a checkout it runs the TypeScript CLI through tsx, no build step;
// installed from the package, which holds only the compiled CLI, it runs that.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/src/cli/main.js');
}
