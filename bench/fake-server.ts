// Runs a fake ComfyUI in its own process, so the client's numbers are its own.
import { FakeComfy } from '../test/fakes/comfy/index.ts';

const fake = await FakeComfy.start({ stepMs: 0, previews: process.env['PREVIEWS'] === '1' });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
process.on('SIGTERM', () => {
  void fake.stop().then(() => process.exit(0));
});
