import { SlashCommandBuilder, type APIEmbed } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { translatorFor } from '../src/discord/locale.ts';
import { formatBytes, formatDuration } from '../src/text/format.ts';

export const command: Command = {
  name: 'status',
  definition: () => new SlashCommandBuilder().setName('status').setDescription('ComfyUI servers: reachable, queue, VRAM, versions').toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const fields: NonNullable<APIEmbed['fields']> = [];
    await Promise.all(
      ctx.pool.backends.map(async (b, i) => {
        const s = b.status();
        const stats = await b.client.http.systemStats().catch(() => undefined);
        const lines = [
          `${s.healthy ? '🟢 reachable' : '🔴 unreachable'} · socket ${s.connected ? 'connected' : 'disconnected'}`,
          `Queue: ${s.queueRemaining ?? '?'}`,
          `Last event: ${s.lastEventAt ? `${formatDuration(Date.now() - s.lastEventAt)} ago` : 'none yet'}`,
        ];
        if (stats) {
          lines.push(`ComfyUI ${stats.system.comfyui_version ?? '?'} · PyTorch ${stats.system.pytorch_version ?? '?'}`);
          for (const d of stats.devices) lines.push(`${d.name.split(':').slice(0, 2).join(':')}: ${formatBytes(d.vram_free)} free of ${formatBytes(d.vram_total)}`);
        } else if (s.lastError) lines.push(`Error: ${s.lastError.slice(0, 200)}`);
        fields[i] = { name: s.name, value: lines.join('\n').slice(0, 1024) };
      }),
    );
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const queue = ctx.service.queueState();
    const description = tr.t(queue.paused ? 'status.queue_paused' : 'status.queue_running', { count: queue.waiting.length });
    await interaction.editReply({ embeds: [{ title: 'ComfyUI status', description, fields, color: 0x5865f2 }] });
  },
};
