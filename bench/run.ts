// `npm run bench`: prints the numbers as Markdown tables, then as JSON; no pass/fail.
//   npm run bench                  every section
//   npm run bench -- client        one section (client | bot | scheduling)
//   npm run bench -- --write       also puts the tables into BENCHMARKS.md
// Each section runs in its own process, so one's peak memory is not the other's.
// Sizes: BENCH_JOBS, BENCH_IN_FLIGHT, BENCH_BOT_CONCURRENT, BENCH_BOT_SEQUENTIAL (see BENCHMARKS.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/support/recordings.ts';
import { startScript } from '../test/support/start-script.ts';
import { machine, markdown } from './report.ts';
import { progress, runWorker } from './support.ts';

const args = process.argv.slice(2);
const write = args.includes('--write');
const only = args.find((a) => !a.startsWith('--'));
const started = performance.now();
const info = machine();
const results: Record<string, unknown> = {};
for (const section of ['client', 'bot', 'scheduling']) {
  if (only && only !== section) continue;
  progress(`section ${section}`);
  // The bot runs with the node flags `npm start` gives it (package.json is their one definition).
  const nodeFlags = section !== 'client' ? startScript().nodeOptions : [];
  results[section] = await runWorker('section', [section], {}, true, nodeFlags);
}
info['seconds'] = (performance.now() - started) / 1000;
const tables = markdown(results, info);
process.stdout.write(`${tables}\n\n${JSON.stringify({ machine: info, ...results }, null, 2)}\n`);

if (write) {
  // The client and bot sections share one block of BENCHMARKS.md, the scheduling section has its own:
  // running one section replaces only its block.
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  let doc = readFileSync(file, 'utf8');
  const blocks: Array<[string, string[]]> = [
    ['results', ['client', 'bot']],
    ['scheduling', ['scheduling']],
  ];
  for (const [name, sections] of blocks) {
    const mine = Object.fromEntries(Object.entries(results).filter(([k]) => sections.includes(k)));
    if (Object.keys(mine).length === 0) continue;
    const START = `<!-- bench:${name}:start -->`;
    const END = `<!-- bench:${name}:end -->`;
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`BENCHMARKS.md has no ${START} … ${END} block`);
    const json = `<details><summary>Raw results (JSON)</summary>\n\n\`\`\`json\n${JSON.stringify({ machine: info, ...mine }, null, 2)}\n\`\`\`\n\n</details>`;
    doc = `${doc.slice(0, a + START.length)}\n${markdown(mine, info)}\n${json}\n${doc.slice(b)}`;
  }
  writeFileSync(file, doc);
  progress('BENCHMARKS.md updated');
}
process.exit(0);
