// The CLI as a user runs it: a child process against the fake ComfyUI.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeComfy, makePng } from '../fakes/comfy/index.ts';
import { REPO_ROOT, recordedWorkflow } from '../support/recordings.ts';
import { spawnTs } from '../support/spawn-ts.ts';

const dir = mkdtempSync(join(tmpdir(), 'comfy-cli-'));
let fake: FakeComfy;

beforeAll(async () => {
  fake = await FakeComfy.start({ stepMs: 1 });
});
afterAll(async () => {
  await fake.stop();
});

function comfy(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', COMFYUI_URL: fake.url, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function workflowFile(): string {
  const file = join(dir, 'txt2img.json');
  writeFileSync(file, JSON.stringify(recordedWorkflow('txt2img')));
  return file;
}

describe('comfy CLI', () => {
  it('status shows the version, the device and the queue', async () => {
    const r = await comfy(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ComfyUI 0\.8\.0 at http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/Queue: 0/);
    expect(r.stdout).toMatch(/VRAM/);
  });

  it('submit sets inputs by title and id, randomises seeds, and prints the prompt id', async () => {
    const r = await comfy(['submit', workflowFile(), '--set', 'Positive.text=a "quoted" cat', '--set', '3.steps=7', '--random-seed']);
    expect(r.code).toBe(0);
    const id = /Queued ([0-9a-f-]{36})/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const sent = fake.requests.find((q) => q.path === '/prompt' && q.method === 'POST' && (q.json as { prompt: unknown }).prompt && JSON.stringify(q.json).includes('quoted'));
    const prompt = (sent?.json as { prompt: Record<string, { inputs: Record<string, unknown> }> }).prompt;
    expect(prompt['6']?.inputs['text']).toBe('a "quoted" cat');
    expect(prompt['3']?.inputs['steps']).toBe(7);
    expect(prompt['3']?.inputs['seed']).not.toBe(42);
    expect(r.stdout).toContain(`seed of node 3: ${String(prompt['3']?.inputs['seed'])}`);
  });

  it('submit --watch follows the job to its images; --json gives the result', async () => {
    const r = await comfy(['submit', workflowFile(), '--set', 'KSampler.seed=5', '--set', 'KSampler.steps=3', '--watch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[█+░*\] 3\/3 KSampler/);
    expect(r.stdout).toMatch(/done: 1 output\(s\) \(image\)/);
    const j = await comfy(['submit', workflowFile(), '--set', 'KSampler.seed=6', '--watch', '--json']);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ status: 'success' });
  });

  it('submit prints every node error of a refused workflow and exits 1', async () => {
    const r = await comfy(['submit', workflowFile(), '--set', 'KSampler.steps="many"', '--set', '4.ckpt_name=missing.safetensors']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('KSampler (#3) steps: Failed to convert an input value to a INT value — got "many"');
    expect(r.stderr).toContain('CheckpointLoaderSimple (#4) ckpt_name: Value not in list — got "missing.safetensors"');
  });

  it('upload prints the name the server saved it under; masks name their image', async () => {
    const png = join(dir, 'dog.png');
    writeFileSync(png, makePng(16, 16, [9, 9, 9]));
    const r = await comfy(['upload', png, '--subfolder', 'cli']);
    expect(r.stdout).toContain('Uploaded as cli/dog.png');
    const m = await comfy(['upload', png, '--mask', '--for', 'cli/dog.png']);
    expect(m.code).toBe(0);
    const maskReq = fake.requests.find((q) => q.path === '/upload/mask');
    expect(JSON.parse(maskReq?.form?.fields['original_ref'] ?? '{}')).toEqual({ filename: 'dog.png', subfolder: 'cli', type: 'input' });
  });

  it('models, nodes and history show names and numbers', async () => {
    expect((await comfy(['models'])).stdout).toContain('checkpoints');
    expect((await comfy(['models', 'checkpoints'])).stdout).toContain('random-sd15.safetensors');
    const nodes = await comfy(['nodes', 'KSampler']);
    expect(nodes.stdout).toMatch(/steps: INT \(default 20, 1…10000\)/);
    expect(nodes.stdout).toMatch(/sampler_name: one of euler/);
    const history = await comfy(['history', '--max', '1', '--json']);
    expect(Object.keys(JSON.parse(history.stdout) as object)).toHaveLength(1);
    const missing = await comfy(['models', 'not_a_folder']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no model folder "not_a_folder"/);
  });

  it('queue, cancel, clear and interrupt act on what the server holds', async () => {
    fake.hold();
    const a = await comfy(['submit', workflowFile(), '--set', 'KSampler.seed=101']);
    const b = await comfy(['submit', workflowFile(), '--set', 'KSampler.seed=102', '--front']);
    const idA = /Queued (\S+)/.exec(a.stdout)![1]!;
    const idB = /Queued (\S+)/.exec(b.stdout)![1]!;
    const q = await comfy(['queue']);
    expect(q.stdout).toMatch(/0 running, 2 pending/);
    expect(q.stdout.indexOf(idB)).toBeLessThan(q.stdout.indexOf(idA));
    expect((await comfy(['cancel', idA])).stdout).toContain(`Removed ${idA} from the queue`);
    expect(fake.requests.some((r) => r.path === '/queue' && JSON.stringify(r.json) === JSON.stringify({ delete: [idA] }))).toBe(true);
    expect((await comfy(['clear'])).stdout).toContain('Cleared 1 pending');
    expect((await comfy(['interrupt', idB])).code).toBe(0);
    expect(fake.requests.filter((r) => r.path === '/interrupt').at(-1)?.json).toEqual({ prompt_id: idB });
    fake.release();
  });

  it('view prints the address, or saves the file with --out', async () => {
    await comfy(['submit', workflowFile(), '--set', 'KSampler.seed=77', '--watch']);
    const history = JSON.parse((await comfy(['history', '--max', '1', '--json'])).stdout) as Record<string, { outputs: Record<string, { images: Array<{ filename: string }> }> }>;
    const filename = Object.values(history)[0]!.outputs['9']!.images[0]!.filename;
    const url = await comfy(['view', filename]);
    expect(url.stdout.trim()).toBe(`${fake.url}/view?filename=${filename}&type=output&subfolder=`);
    const out = join(dir, 'out.png');
    const saved = await comfy(['view', filename, '--out', out]);
    expect(saved.code).toBe(0);
    expect(readFileSync(out).equals(fake.readFile(filename)!)).toBe(true);
    expect(saved.stdout).toContain(`(${readFileSync(out).length} bytes, image/png)`);
  });

  it('watch prints live events with a progress bar until Ctrl-C', async () => {
    const child = spawnTs('src/cli/main.ts', ['watch', '--url', fake.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => pattern.test(out + err) && resolve();
        child.stdout?.on('data', (d: Buffer) => ((out += d.toString()), check()));
        child.stderr?.on('data', (d: Buffer) => ((err += d.toString()), check()));
        check();
      });
    await seen(/watching .* as client (\S+)/);
    const clientId = /as client (\S+)/.exec(err)![1]!;
    const wf = recordedWorkflow('txt2img') as Record<string, { inputs: Record<string, unknown> }>;
    wf['3']!.inputs['seed'] = 4242;
    wf['3']!.inputs['steps'] = 3;
    await fetch(`${fake.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: wf, client_id: clientId }) });
    await seen(/finished/);
    expect(out).toMatch(/\[█+░*\] 3\/3/);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('--url wins over COMFYUI_URL, and an unreachable server is one line on stderr', async () => {
    const r = await comfy(['status', '--url', 'http://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unreachable/);
  });

  it('a UI-format workflow is refused with a hint to use Save (API)', async () => {
    const file = join(dir, 'ui.json');
    writeFileSync(file, JSON.stringify({ nodes: [], links: [], version: 0.4 }));
    const r = await comfy(['submit', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Save \(API\)/);
  });
});
