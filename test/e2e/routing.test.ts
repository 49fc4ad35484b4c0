// Several ComfyUI servers: a job goes to the least-loaded healthy one that has its model.
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeComfy } from '../fakes/comfy/index.ts';
import { makePng } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const submitsTo = (c: FakeComfy) => c.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').length;

describe('several ComfyUI servers', () => {
  it('sends a job only to a server that has the checkpoint it asks for, uploads included', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 0 } });
    const [gpu1, gpu2] = h.comfies as [FakeComfy, FakeComfy];
    gpu1.models.checkpoints = ['sd15.safetensors'];
    gpu2.models.checkpoints = ['sd15.safetensors', 'sdxl.safetensors'];
    const image = h.discord.addAttachment({ filename: 'in.png', contentType: 'image/png', bytes: makePng(32, 32, [5, 5, 5]) });
    const token = await h.generate('img2img', { prompt: 'xl only', checkpoint: 'sdxl.safetensors' }, { attachments: { image } });
    await h.reply(token, isFinal);
    expect(submitsTo(gpu1)).toBe(0);
    expect(submitsTo(gpu2)).toBe(1);
    expect(gpu1.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
    expect(gpu2.requests.some((r) => r.path === '/upload/image')).toBe(true);
    const missing = await h.generate('txt2img', { prompt: 'nowhere', checkpoint: 'flux.safetensors' });
    const refused = await h.reply(missing, (m) => m.content?.includes('⚠️') ?? false);
    expect(refused.content).toContain('No ComfyUI server has flux.safetensors');
  });

  it('sends a new job to the less loaded server', async () => {
    h = await startHarness({ servers: 2, comfy: { stepMs: 0 } });
    const [gpu1, gpu2] = h.comfies as [FakeComfy, FakeComfy];
    gpu1.hold();
    gpu2.hold();
    const first = await h.generate('txt2img', { prompt: 'one' }, { user: 'a' });
    await h.reply(first, (m) => m.content?.includes('Queued') ?? false);
    const second = await h.generate('txt2img', { prompt: 'two' }, { user: 'b' });
    await h.reply(second, (m) => m.content?.includes('Queued') ?? false);
    expect([submitsTo(gpu1), submitsTo(gpu2)]).toEqual([1, 1]);
    gpu1.release();
    gpu2.release();
    await Promise.all([h.reply(first, isFinal), h.reply(second, isFinal)]);
  });
});
