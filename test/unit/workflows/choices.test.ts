import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../../src/comfy/index.ts';
import { ChoiceCatalog, comboValues, filterChoices, type ChoiceServer } from '../../../src/workflows/choices.ts';
import { realObjectInfo } from './helpers.ts';

/** A server whose model folders can change between calls, counting what it was asked. */
class FakeServer implements ChoiceServer {
  folders: Record<string, string[]> = { loras: ['detail-tweaker.safetensors'], checkpoints: ['random-sd15.safetensors'] };
  calls: string[] = [];
  failNext = false;

  async models(folder: string): Promise<string[]> {
    this.calls.push(`models:${folder}`);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('connection refused');
    }
    return [...(this.folders[folder] ?? [])];
  }

  async objectInfo(): Promise<ObjectInfo> {
    this.calls.push('object_info');
    return realObjectInfo();
  }
}

const loras = { choices: { from: 'models' as const, folder: 'loras' } };

describe('filterChoices', () => {
  const values = ['dpmpp_2m', 'euler', 'euler_ancestral', 'Heun', 'uni_pc', 'lcm', 'sdxl/EulerStyle.safetensors'];

  it('matches case-insensitively, prefix matches first', () => {
    expect(filterChoices(['dpmpp_2m_sde', 'euler_ancestral', 'EULER', 'my_euler'], 'Euler')).toEqual(['euler_ancestral', 'EULER', 'my_euler']);
  });

  it('counts a file name inside a subfolder as a prefix match', () => {
    expect(filterChoices(values, 'eulerst')).toEqual(['sdxl/EulerStyle.safetensors']);
    expect(filterChoices(['a/xeuler', 'sdxl/euler'], 'euler')).toEqual(['sdxl/euler', 'a/xeuler']);
  });

  it('offers everything (up to 25) when nothing is typed', () => {
    const many = Array.from({ length: 40 }, (_, i) => `model-${i}`);
    expect(filterChoices(many, '')).toEqual(many.slice(0, 25));
    expect(filterChoices(many, '  ')).toHaveLength(25);
  });
});

describe('comboValues', () => {
  it('reads both combo forms and nothing from other inputs', () => {
    const info = realObjectInfo();
    expect(comboValues(info['KSampler']!.input.required!['sampler_name']!)).toContain('euler');
    expect(comboValues(info['LatentConcat']!.input.required!['dim']!)).toEqual(['x', '-x', 'y', '-y', 't', '-t']);
    expect(comboValues(info['KSampler']!.input.required!['steps']!)).toBeUndefined();
  });
});

describe('ChoiceCatalog', () => {
  it('lists a model folder filtered by what was typed', async () => {
    const catalog = new ChoiceCatalog(new FakeServer());
    expect(await catalog.choices(loras, 'DETAIL')).toEqual(['detail-tweaker.safetensors']);
    expect(await catalog.choices(loras, 'nothing')).toEqual([]);
  });

  it('reads combo values from object_info, e.g. samplers', async () => {
    const catalog = new ChoiceCatalog(new FakeServer());
    const samplers = await catalog.choices({ choices: { from: 'node_input', node: 'KSampler', input: 'sampler_name' } }, 'dpmpp_2m');
    expect(samplers[0]).toBe('dpmpp_2m');
    expect(samplers.every((s) => s.includes('dpmpp_2m'))).toBe(true);
    expect(await catalog.values({ from: 'node_input', node: 'NoSuchNode', input: 'x' })).toEqual([]);
  });

  it('serves fixed lists without asking the server', async () => {
    const server = new FakeServer();
    expect(await new ChoiceCatalog(server).choices({ choices: { from: 'list', values: ['512', '768', '1024'] } }, '1')).toEqual(['1024', '512']);
    expect(server.calls).toEqual([]);
  });

  it('caches for ttlMs, then shows a newly added LoRA without a restart', async () => {
    const server = new FakeServer();
    let now = 1_000;
    const catalog = new ChoiceCatalog(server, { ttlMs: 30_000, now: () => now });
    expect(await catalog.choices(loras, '')).toEqual(['detail-tweaker.safetensors']);
    server.folders['loras']!.push('pixel-art.safetensors');
    now += 29_999;
    expect(await catalog.choices(loras, '')).toEqual(['detail-tweaker.safetensors']);
    expect(server.calls).toEqual(['models:loras']);
    now += 1;
    expect(await catalog.choices(loras, '')).toEqual(['detail-tweaker.safetensors', 'pixel-art.safetensors']);
    expect(server.calls).toEqual(['models:loras', 'models:loras']);
  });

  it('asks once for concurrent requests and caches folders separately', async () => {
    const server = new FakeServer();
    const catalog = new ChoiceCatalog(server);
    await Promise.all([catalog.choices(loras, 'a'), catalog.choices(loras, 'b'), catalog.values({ from: 'models', folder: 'checkpoints' })]);
    expect(server.calls.sort()).toEqual(['models:checkpoints', 'models:loras']);
  });

  it('keeps the last good list when a refresh fails, and retries on the next request', async () => {
    const server = new FakeServer();
    let now = 0;
    const catalog = new ChoiceCatalog(server, { ttlMs: 10, now: () => now });
    await catalog.choices(loras, '');
    now = 100;
    server.failNext = true;
    server.folders['loras'] = ['new.safetensors'];
    expect(await catalog.choices(loras, '')).toEqual(['detail-tweaker.safetensors']);
    expect(await catalog.choices(loras, '')).toEqual(['new.safetensors']);
  });

  it('passes the error on when there is no earlier list', async () => {
    const server = new FakeServer();
    server.failNext = true;
    const catalog = new ChoiceCatalog(server);
    await expect(catalog.choices(loras, '')).rejects.toThrow('connection refused');
    expect(await catalog.choices(loras, '')).toEqual(['detail-tweaker.safetensors']);
  });

  it('clear() forgets cached lists', async () => {
    const server = new FakeServer();
    const catalog = new ChoiceCatalog(server);
    await catalog.choices(loras, '');
    catalog.clear();
    await catalog.choices(loras, '');
    expect(server.calls).toEqual(['models:loras', 'models:loras']);
  });
});
