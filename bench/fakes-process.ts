// The fake Discord and the fake ComfyUI for the bot bench, in their own process
// so the bot's memory and CPU are measured without them. The parent drives them
// over the IPC channel (see bot-bench.ts):
//   { op: 'generate', id, seed, user }  -> { id, token, messageId, postedAt, postBytes, status }
//   { op: 'tally' }                     -> request counts since the last tally
//   { op: 'pace', stepMs }             -> ComfyUI's time per sampler step from now on
//   { op: 'purge' }                     -> forget the bytes of finished jobs (nothing may be in flight)
import { ApplicationCommandOptionType, type APIApplicationCommandInteractionDataOption } from 'discord-api-types/v10';
import { FakeComfy } from '../test/fakes/comfy/index.ts';
import { FakeDiscord, type LoggedRequest } from '../test/fakes/discord/index.ts';

const IMAGE_BYTES = Number(process.env['BENCH_IMAGE_BYTES'] ?? 1024 * 1024);

const comfy = await FakeComfy.start({ stepMs: 0 });
comfy.outputPadBytes = IMAGE_BYTES;
// The e2e suite checks every request against Discord's OpenAPI description; the bench measures the bot.
const discord = await FakeDiscord.start({ checkConformance: false });

interface Tally {
  requests: number;
  byRoute: Record<string, number>;
  status429: number;
  uploads: number;
}
let tally: Tally = { requests: 0, byRoute: {}, status429: 0, uploads: 0 };

/** Moves the request log into the tally (the log keeps every uploaded byte otherwise). */
function absorbRequestLog(): void {
  const log = discord.requests as LoggedRequest[];
  for (const r of log) {
    tally.requests++;
    const kind = `${r.method} ${r.route
      .replace(/\/\d{5,}/g, '/:id')
      .replace(/\/webhooks\/:id\/[^/]+/, '/webhooks/:id/:token')
      .replace(/\/interactions\/:id\/[^/]+/, '/interactions/:id/:token')
      .replace(/\/reactions\/[^/]+\/@me/, '/reactions/:emoji/@me')}`;
    tally.byRoute[kind] = (tally.byRoute[kind] ?? 0) + 1;
    if (r.status === 429) tally.status429++;
    if ((r.files?.length ?? 0) > 0) tally.uploads++;
  }
  log.length = 0;
}

const EMPTY = Buffer.alloc(0);

/** Drops the bytes the fakes keep of every image (ComfyUI outputs, Discord attachments). */
function purge(): void {
  absorbRequestLog();
  // Test fakes keep everything for assertions; a bench run of thousands of 1 MB jobs must not.
  const world = (discord as unknown as { world: { cdn: { files: Map<string, { bytes: Buffer }>; byId: Map<string, { bytes: Buffer }> } } })
    .world;
  for (const f of world.cdn.files.values()) f.bytes = EMPTY;
  for (const a of world.cdn.byId.values()) a.bytes = EMPTY;
  const store = (comfy as unknown as { files: { files: Map<string, { bytes?: Buffer; render?: () => Buffer }> } }).files.files;
  for (const [key, entry] of store) {
    if (key.startsWith('output/') || key.startsWith('temp/')) {
      entry.bytes = undefined;
      entry.render = undefined;
    }
  }
}

async function generate(msg: { id: number; seed: number; steps: number; user: string }) {
  const options: APIApplicationCommandInteractionDataOption[] = [
    { name: 'prompt', type: ApplicationCommandOptionType.String, value: `bench ${msg.id}` },
    { name: 'seed', type: ApplicationCommandOptionType.Integer, value: msg.seed },
    { name: 'steps', type: ApplicationCommandOptionType.Integer, value: msg.steps },
  ];
  const sent = await discord.sendSubcommand({ name: 'generate', subcommand: 'txt2img', options, user: msg.user });
  // The request that posts the images: the edit of the reply carrying the final PNG.
  const posted = await discord.waitForRequest(
    (r) =>
      r.path.includes(sent.token) &&
      (r.files?.some((f) => f.name.endsWith('.png')) ?? false) &&
      JSON.stringify(r.payload ?? r.json ?? '').includes('done in'),
    120_000,
  );
  return {
    id: msg.id,
    token: sent.token,
    messageId: discord.originalMessage(sent.token)?.id,
    postedAt: posted.at,
    postBytes: posted.files?.reduce((n, f) => n + f.bytes.length, 0) ?? 0,
    status: posted.status,
  };
}

process.on('message', (raw) => {
  const msg = raw as { op: string; id: number; seed: number; steps: number; user: string; stepMs: number; seq: number };
  const reply = (body: unknown) => process.send!({ seq: msg.seq, ...(body as object) });
  switch (msg.op) {
    case 'generate':
      generate(msg).then(reply, (e: Error) => reply({ id: msg.id, error: e.message.slice(0, 2000) }));
      return;
    case 'tally': {
      absorbRequestLog();
      reply({ ...tally, count429: discord.count429 });
      tally = { requests: 0, byRoute: {}, status429: 0, uploads: 0 };
      return;
    }
    case 'pace':
      comfy.stepMs = msg.stepMs;
      reply({ ok: true });
      return;
    case 'purge':
      purge();
      reply({ ok: true, rssMb: process.memoryUsage().rss / 1024 / 1024 });
      return;
    case 'stop':
      void Promise.all([discord.stop(), comfy.stop()]).finally(() => {
        reply({ ok: true });
        process.exit(0);
      });
      return;
  }
});

// The bench process died or finished: do not linger.
process.on('disconnect', () => process.exit(0));

process.send!({
  op: 'ready',
  comfyUrl: comfy.url,
  apiUrl: discord.apiUrl,
  applicationId: discord.applicationId,
  guildId: discord.guild.id,
  cdnHost: new URL(discord.cdnBase).host,
});
