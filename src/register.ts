// `npm run register`: registers the slash commands and exits.
import 'dotenv/config';
import { Client } from 'discord.js';
import { ConfigError, loadConfig } from './config.ts';
import { registerCommands } from './app.ts';
import { UNSHARDED } from './discord/client.ts';
import { loadCommands } from './discord/commands.ts';
import { loadWorkflows } from './workflows/registry.ts';
import { formatProblem } from './workflows/problems.ts';

try {
  const config = loadConfig();
  if (!config.DISCORD_APPLICATION_ID) throw new ConfigError(['DISCORD_APPLICATION_ID is missing: registering needs the application id']);
  const { workflows, problems } = await loadWorkflows(config.WORKFLOWS_DIR);
  for (const p of problems) process.stderr.write(`skipped: ${formatProblem(p)}\n`);
  const client = new Client({ intents: [], ...UNSHARDED, rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {} });
  client.rest.setToken(config.DISCORD_TOKEN);
  const context = { workflows: new Map(workflows.map((w) => [w.name, w])), config };
  const commands = [...(await loadCommands()).values()];
  await registerCommands(client, config.DISCORD_APPLICATION_ID, config.DISCORD_GUILD_ID, commands.map((c) => c.definition(context)));
  process.stdout.write(`Registered ${commands.length} commands ${config.DISCORD_GUILD_ID ? `in guild ${config.DISCORD_GUILD_ID}` : 'globally'}.\n`);
  await client.destroy();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
