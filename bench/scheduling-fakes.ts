// The fakes of the scheduling bench in their own process: three fake ComfyUIs
// (a checkpoint switch costs SWITCH_MS on top of the steps) and the fake Discord.
// The bench drives them over IPC (see scheduling-bench.ts):
//   { op: 'generate', user, prompt, checkpoint, steps } -> { token, sentAt } at once; the result is awaited here
//   { op: 'settled' }                                  -> once every job sent so far has its final message
//   { op: 'report' }                                   -> each server's executions, and the Discord user ids
//   { op: 'stop' }
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { FakeComfy } from '../test/fakes/comfy/index.ts';
import { FakeDiscord } from '../test/fakes/discord/index.ts';

const settings = JSON.parse(process.env['SCHED_FAKES'] ?? '{}') as { servers: number; stepMs: number; switchMs: number; checkpoints: string[] };
const comfies = await Promise.all(
  Array.from({ length: settings.servers }, () =>
    FakeComfy.start({ stepMs: settings.stepMs, switchMs: settings.switchMs, checkpoints: settings.checkpoints, previews: false }),
  ),
);
const discord = await FakeDiscord.start({ waitTimeoutMs: 600_000 });
const finals: Promise<unknown>[] = [];
const users = new Set<string>();

async function generate(msg: { user: string; prompt: string; checkpoint: string; steps: number }) {
  users.add(msg.user);
  const sentAt = performance.timeOrigin + performance.now();
  const sent = await discord.sendSubcommand({
    name: 'generate',
    subcommand: 'txt2img',
    options: [
      { name: 'prompt', type: ApplicationCommandOptionType.String, value: msg.prompt },
      { name: 'checkpoint', type: ApplicationCommandOptionType.String, value: msg.checkpoint },
      { name: 'steps', type: ApplicationCommandOptionType.Integer, value: msg.steps },
    ],
    user: msg.user,
  });
  finals.push(discord.waitForMessage((m) => m.interactionToken === sent.token && /done in|failed|lost|⚠️/.test(m.content ?? ''), 600_000));
  return { token: sent.token, sentAt };
}

process.on('message', (raw) => {
  const msg = raw as { op: string; seq: number; user: string; prompt: string; checkpoint: string; steps: number };
  const reply = (body: unknown) => process.send!({ seq: msg.seq, ...(body as object) });
  switch (msg.op) {
    case 'generate':
      generate(msg).then(reply, (e: Error) => reply({ error: e.message }));
      return;
    case 'settled':
      void Promise.all(finals).then(
        (messages) => reply({ ok: true, failed: messages.filter((m) => !/done in/.test((m as { content?: string }).content ?? '')).length }),
        (e: Error) => reply({ error: e.message }),
      );
      return;
    case 'report':
      reply({
        servers: comfies.map((c) => ({ url: c.url, executions: c.executions })),
        userIds: Object.fromEntries([...users].map((u) => [discord.user(u).id, u])),
      });
      return;
    case 'stop':
      void Promise.all([discord.stop(), ...comfies.map((c) => c.stop())]).finally(() => {
        reply({ ok: true });
        process.exit(0);
      });
      return;
  }
});

process.on('disconnect', () => process.exit(0));

process.send!({
  op: 'ready',
  comfyUrls: comfies.map((c) => c.url),
  apiUrl: discord.apiUrl,
  applicationId: discord.applicationId,
  guildId: discord.guild.id,
  cdnHost: new URL(discord.cdnBase).host,
});
