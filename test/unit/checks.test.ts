// npm test type-checks and lints before it runs vitest. These tests show that each check
// fails on what it is there to catch: each runs the project's own npm script, with the
// project's own configuration files, in a scratch folder holding a few small files.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { npmEnv } from '../support/fresh-copy.ts';
import { REPO_ROOT } from '../support/recordings.ts';

const CONFIG_FILES = ['package.json', 'tsconfig.json', 'eslint.config.js', 'knip.jsonc'];
const TIMEOUT_MS = 120_000; // a few seconds each; generous for 2 cores shared with the other test files
const scratchDirs: string[] = [];

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder with the project's configuration, its node_modules, and these files. */
function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'comfycord-checks-'));
  scratchDirs.push(dir);
  for (const name of CONFIG_FILES) copyFileSync(join(REPO_ROOT, name), join(dir, name));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** `npm run <script>` there, as npm test runs it. */
function npmRun(dir: string, script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', script], { cwd: dir, env: npmEnv({ NO_COLOR: '1' }) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** ESLint's report (its default format) as "file: rule" lines. */
function lintFindings(output: string, dir: string): string[] {
  const findings: string[] = [];
  let file = '';
  for (const line of output.split('\n')) {
    if (line.startsWith(dir)) file = line.slice(dir.length + 1).trim();
    const rule = /\s(error|warning)\s.*\s(\S+)$/.exec(line)?.[2];
    if (file && rule) findings.push(`${file}: ${rule}`);
  }
  return findings.sort();
}

/** A module with nothing wrong in it, imported as the project imports: with its .ts extension. */
const CLEAN = 'export function double(n: number): number {\n  return n * 2;\n}\n';

describe('npm test', () => {
  it('type-checks, then lints, then runs vitest', () => {
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['test']?.split('&&').map((s) => s.trim())).toEqual(['npm run typecheck', 'npm run lint', 'vitest run']);
    expect(scripts['typecheck']).toBe('tsc --noEmit');
    expect(scripts['lint']).toBe('eslint . && knip');
  });

  it(
    'fails its type check on a type error',
    async () => {
      const dir = scratch({
        'src/clean.ts': CLEAN,
        'src/broken.ts': "import { double } from './clean.ts';\n\nexport const four = double('2');\n",
      });
      const { code, output } = await npmRun(dir, 'typecheck');
      expect(code).not.toBe(0);
      // The one error is the broken call: the other module and the setup are clean.
      expect(output.match(/^.*error TS\d+.*$/gm)).toEqual([expect.stringMatching(/^src\/broken\.ts\(3,\d+\): error TS2345: /)]);
    },
    TIMEOUT_MS,
  );

  it(
    'fails its lint on a floating promise, a deprecated call, an unused variable and an import cycle',
    async () => {
      const dir = scratch({
        'src/clean.ts': CLEAN,
        'src/floating.ts':
          'function save(): Promise<void> {\n  return Promise.resolve();\n}\n\nexport function onClick(): void {\n  save();\n}\n',
        'src/deprecated.ts':
          '/** @deprecated Use newer(). */\nfunction older(): number {\n  return 1;\n}\n\nexport const value = older();\n',
        'src/unused.ts': 'export function answer(): number {\n  const unused = 1;\n  return 42;\n}\n',
        'src/cycle-a.ts': "import { b } from './cycle-b.ts';\n\nexport const a = (): number => b() + 1;\n",
        'src/cycle-b.ts': "import { a } from './cycle-a.ts';\n\nexport const b = (): number => a() - 1;\n",
        // Type-only imports are erased: a cycle through one is not reported.
        'src/types-a.ts': "import type { B } from './types-b.ts';\n\nexport interface A {\n  b?: B;\n}\n",
        'src/types-b.ts': "import type { A } from './types-a.ts';\n\nexport interface B {\n  a?: A;\n}\n",
      });
      const { code, output } = await npmRun(dir, 'lint');
      expect(code).not.toBe(0);
      expect(lintFindings(output, dir)).toEqual([
        'src/cycle-a.ts: import-x/no-cycle',
        'src/cycle-b.ts: import-x/no-cycle',
        'src/deprecated.ts: @typescript-eslint/no-deprecated',
        'src/floating.ts: @typescript-eslint/no-floating-promises',
        'src/unused.ts: @typescript-eslint/no-unused-vars',
      ]);
    },
    TIMEOUT_MS,
  );
});
