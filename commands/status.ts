import { SlashCommandBuilder, type APIEmbed } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describe } from '../src/discord/i18n/localizations.ts';
import { translatorFor } from '../src/discord/locale.ts';

export const command: Command = {
  name: 'status',
  definition: (ctx) => describe(new SlashCommandBuilder().setName('status'), 'command.status', ctx.config.DEFAULT_LOCALE).toJSON(),
  async execute(interaction, ctx) {
    await interaction.deferReply();
    const tr = translatorFor(interaction, ctx.config.DEFAULT_LOCALE);
    const fields: NonNullable<APIEmbed['fields']> = [];
    await Promise.all(
      ctx.pool.backends.map(async (b, i) => {
        const s = b.status();
        const stats = await b.client.http.systemStats().catch(() => undefined);
        const lines = [
          `${s.healthy ? `🟢 ${tr.t('status.reachable')}` : `🔴 ${tr.t('status.unreachable')}`} · ${tr.t(s.connected ? 'status.socket_connected' : 'status.socket_disconnected')}`,
          s.queueRemaining === undefined ? tr.t('status.queue_unknown') : tr.t('status.queue', { n: s.queueRemaining }),
          s.lastEventAt ? tr.t('status.last_event', { ms: Date.now() - s.lastEventAt }) : tr.t('status.no_event'),
        ];
        if (stats) {
          // Product and device names, versions and ComfyUI's error text stay as they are.
          lines.push(`ComfyUI ${stats.system.comfyui_version ?? '?'} · PyTorch ${stats.system.pytorch_version ?? '?'}`);
          for (const d of stats.devices) {
            lines.push(tr.t('status.vram', { device: d.name.split(':').slice(0, 2).join(':'), free: d.vram_free, total: d.vram_total }));
          }
        } else if (s.lastError) lines.push(tr.t('status.error', { error: s.lastError.slice(0, 200) }));
        fields[i] = { name: s.name, value: lines.join('\n').slice(0, 1024) };
      }),
    );
    const queue = ctx.service.queueState();
    const description = tr.t(queue.paused ? 'status.queue_paused' : 'status.queue_running', { count: queue.waiting.length });
    await interaction.editReply({ embeds: [{ title: tr.t('status.title'), description, fields, color: 0x5865f2 }] });
  },
};
