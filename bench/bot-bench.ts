// The bot end to end: many concurrent /generate through the fake Discord and the
// fake ComfyUI. Measures the delay from ComfyUI's execution_success to the
// request that posts the images, Discord requests per job, 429s and memory.
import { startHarness, type Harness } from '../test/support/bot-harness.ts';
import { percentile, round } from './support.ts';

async function runJobs(h: Harness, count: number, concurrency: number, seedBase: number): Promise<number[]> {
  const delays: number[] = [];
  let next = 0;
  const successAt = new Map<string, number>();
  // The moment ComfyUI reported success, as the bot's client saw it.
  for (const b of h.bot.pool.backends) {
    b.client.on('message', (m) => {
      if (m.type === 'execution_success' && !('unknown' in m)) successAt.set(m.data.prompt_id, performance.now());
    });
  }
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const token = await h.generate('txt2img', { prompt: `bench ${i}`, seed: seedBase + i, steps: 1 }, { user: `user${i % 50}` });
      const final = await h.reply(token, (m) => m.content?.includes('done in') ?? false, 60_000);
      const posted = h.discord.requests.find(
        (r) => r.method === 'PATCH' && (r.files?.length ?? 0) > 0 && r.payload && JSON.stringify(r.payload).includes('done in') && r.path.includes(token),
      );
      const job = h.bot.ledger.byMessageId(final.id);
      const success = job ? successAt.get(job.promptId) : undefined;
      if (posted && success !== undefined) delays.push(Math.max(0, posted.at - success));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return delays.sort((a, b) => a - b);
}

export async function runBotBench(): Promise<Record<string, unknown>> {
  const h = await startHarness({
    comfy: { stepMs: 0, outputPadBytes: 1024 * 1024 } as never,
    env: { USER_MAX_CONCURRENT: '1000', USER_JOBS_PER_MINUTE: '100000', EDIT_INTERVAL_MS: '1500', LOG_LEVEL: 'warn' },
  });
  try {
    const before = h.discord.requests.length;
    const delays = await runJobs(h, 100, 100, 1);
    const requests = h.discord.requests.length - before;
    const concurrentRss = process.resourceUsage().maxRSS / 1024;
    await runJobs(h, 400, 20, 10_000);
    const rss500 = process.memoryUsage().rss / 1024 / 1024;
    const more = Number(process.env['BENCH_SEQUENTIAL'] ?? 4500);
    await runJobs(h, more, 1, 100_000);
    const rssAfter = process.memoryUsage().rss / 1024 / 1024;
    return {
      concurrent100: {
        successToPostMs: { p50: round(percentile(delays, 50)), p99: round(percentile(delays, 99)), samples: delays.length },
        discordRequestsPerJob: round(requests / 100, 2),
        count429: h.discord.count429,
        peakRssMb: round(concurrentRss, 1),
      },
      memory: { rssAfter500Mb: round(rss500, 1), [`rssAfter${500 + more}Mb`]: round(rssAfter, 1) },
    };
  } finally {
    await h.stop();
  }
}
