// Runs a fake ComfyUI in its own process, so the client's numbers are its own.
// Previews are off unless PREVIEWS=1 (ComfyUI's default preview method is none).
import { FakeComfy } from '../test/fakes/comfy/index.ts';

const fake = await FakeComfy.start({ stepMs: 0, previews: process.env['PREVIEWS'] === '1' });
// The pid lets the bench read this process's CPU time (/proc/<pid>/stat) around a run.
process.stdout.write(`${JSON.stringify({ url: fake.url, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void fake.stop().then(() => process.exit(0));
});
