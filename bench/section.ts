// One section of the bench in this process; prints its results as one JSON line.
const section = process.argv[2];
const result =
  section === 'client'
    ? await (await import('./client-bench.ts')).runClientBench()
    : section === 'scheduling'
      ? await (await import('./scheduling-bench.ts')).runSchedulingBench()
      : await (await import('./bot-bench.ts')).runBotBench();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
