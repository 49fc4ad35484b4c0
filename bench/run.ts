// `npm run bench`: prints the numbers; no pass/fail.
import { runClientBench } from './client-bench.ts';

const only = process.argv[2];
const results: Record<string, unknown> = {};
if (!only || only === 'client') results['client'] = await runClientBench();
if (!only || only === 'bot') results['bot'] = await (await import('./bot-bench.ts')).runBotBench();
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
