// The ComfyUI client as another project gets it: `npm pack` of a fresh copy of the
// repository, installed into a scratch project, type-checked and run from there.
import { execFile } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeComfy } from '../fakes/comfy/index.ts';
import { freshCopy, npmEnv, type FreshCopy } from '../support/fresh-copy.ts';
import { REPO_ROOT, recordedWorkflow } from '../support/recordings.ts';

const run = promisify(execFile);

let copy: FreshCopy;
let fake: FakeComfy;
let packed: { filename: string; files: Array<{ path: string }> };

/** What a project that depends on the package (and on @types/node, as TypeScript projects on Node do) writes. */
const CONSUMER_TS = `
import { ComfyClient, ComfyHttp, ComfyUnavailableError, isFile, type ApiWorkflow, type JobResult, type OutputKind } from 'comfycord';

export async function generate(url: string, workflow: ApiWorkflow): Promise<JobResult> {
  const comfy = new ComfyClient({ url, timeoutMs: 5_000 });
  await comfy.connect();
  const job = await comfy.submit(workflow, { onJob: (j) => j.on('progress', (p) => console.log(p.value, p.max)) });
  const result = await job.done;
  if (result.status === 'success') {
    const first: string | undefined = result.outputs.find(isFile)?.filename;
    const kinds: OutputKind[] = result.outputs.map((o) => o.kind);
    console.log(first, kinds);
  }
  comfy.close();
  return result;
}

export async function queued(url: string): Promise<number> {
  const http = new ComfyHttp({ url });
  try {
    return await http.queueCount();
  } catch (e) {
    if (e instanceof ComfyUnavailableError) return -1;
    throw e;
  } finally {
    await http.close();
  }
}

// The types are real ones, not any: each of these is an error the compiler must report.
// @ts-expect-error the options need a url
new ComfyClient({});
// @ts-expect-error queueCount answers a number
const notText: string = await new ComfyHttp({ url: 'http://127.0.0.1:1' }).queueCount();
void notText;
`;

/** A plain JavaScript import of the package, run against the fake ComfyUI. */
const CONSUMER_JS = `
import { readFileSync } from 'node:fs';
import { ComfyClient } from 'comfycord';

const [url, workflowFile] = process.argv.slice(2);
const comfy = new ComfyClient({ url });
await comfy.connect();
const job = await comfy.submit(JSON.parse(readFileSync(workflowFile, 'utf8')));
const result = await job.done;
comfy.close();
console.log(JSON.stringify({ status: result.status, outputs: result.status === 'success' ? result.outputs.map((o) => o.kind) : [] }));
`;

beforeAll(async () => {
  copy = freshCopy('comfycord-pack-');
  fake = await FakeComfy.start({ stepMs: 1 });
  // prepack builds the package from the copy's sources, as `npm publish` would.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', copy.scratch], { cwd: copy.dir, env: npmEnv() });
  [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [typeof packed];
  // The scratch project's node_modules holds links to the package's dependencies (and
  // @types/node) from this checkout: npm finds them satisfied and downloads nothing.
  const pkg = JSON.parse(readFileSync(join(copy.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of [...Object.keys(pkg.dependencies), '@types/node']) {
    mkdirSync(dirname(join(copy.scratch, 'node_modules', name)), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(copy.scratch, 'node_modules', name), 'dir');
  }
  writeFileSync(
    join(copy.scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module', devDependencies: { '@types/node': '*' } }),
  );
  await run('npm', ['install', '--offline', '--no-package-lock', '--ignore-scripts', `./${packed.filename}`], {
    cwd: copy.scratch,
    env: npmEnv(),
  });
}, 120_000);

afterAll(async () => {
  await fake?.stop();
  copy?.remove();
});

describe('the client as a package', () => {
  it('the tarball holds the built client with its types and the CLI, no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/comfy.mjs', 'dist/src/comfy/index.js', 'dist/src/comfy/index.d.ts', 'dist/src/cli/main.js']));
    expect(paths.filter((p) => /(^|\/)test\/|^bench\/|^src\/|\.test\.|^\.env|^data\/|node_modules/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it('type-checks a TypeScript file that uses ComfyClient from the installed package', async () => {
    writeFileSync(join(copy.scratch, 'consumer.ts'), CONSUMER_TS);
    // skipLibCheck as most projects have it (checking @types/node and zod costs ~10 s); the
    // file list shows that every module the package's index.d.ts names was found instead.
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true };
    writeFileSync(join(copy.scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', '.', '--listFiles'], { cwd: copy.scratch }).catch((e: { stdout: string }) => e);
    const lines = result.stdout.split('\n');
    expect(lines.filter((l) => /error TS\d+/.test(l))).toEqual([]);
    const installed = join(copy.scratch, 'node_modules', 'comfycord', 'dist', 'src', 'comfy');
    const named = [...readFileSync(join(installed, 'index.d.ts'), 'utf8').matchAll(/from '\.\/([a-z-]+)\.ts'/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    for (const module of named) expect(lines, module).toContain(join(installed, `${module}.d.ts`));
    expect(lines.some((l) => l.includes('/zod/'))).toBe(true);
  });

  it('a JavaScript import of the package runs a workflow on ComfyUI', async () => {
    writeFileSync(join(copy.scratch, 'consumer.mjs'), CONSUMER_JS);
    writeFileSync(join(copy.scratch, 'workflow.json'), JSON.stringify(recordedWorkflow('txt2img')));
    const { stdout } = await run(process.execPath, ['consumer.mjs', fake.url, 'workflow.json'], { cwd: copy.scratch });
    expect(JSON.parse(stdout)).toEqual({ status: 'success', outputs: ['image'] });
  });

  it('the installed comfy command works', async () => {
    const { stdout } = await run(process.execPath, [join('node_modules', '.bin', 'comfy'), 'queue', '--json', '--url', fake.url], {
      cwd: copy.scratch,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(JSON.parse(stdout)).toMatchObject({ running: [], pending: [] });
  });
});
