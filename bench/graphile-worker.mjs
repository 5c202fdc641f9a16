// bench/graphile-worker.mjs: the peer of enqueue(1)/dequeue(1) in
// bench/queue-pg.sh, graphile-worker (npm graphile-worker) on the same
// PostgreSQL server.  DATABASE_URL names the database.
//   node graphile-worker.mjs migrate
//   node graphile-worker.mjs add N BATCH     N jobs by addJobs, BATCH a call
//   node graphile-worker.mjs run N CONC      work N queued no-op jobs
//   node graphile-worker.mjs latency K CONC  K jobs added one at a time to
//                                            a waiting worker: add to start
// Prints one line: seconds and jobs/s, or the latencies' median and p90.
import { Logger, makeWorkerUtils, run, runMigrations } from "graphile-worker";

const connectionString = process.env.DATABASE_URL;
const [mode, a, b] = process.argv.slice(2);
const logger = new Logger(() => () => {});	// silent
const ms = () => Number(process.hrtime.bigint()) / 1e6;

if (mode === "migrate") {
  await runMigrations({ connectionString, logger });
} else if (mode === "add") {
  const n = Number(a), batch = Number(b);
  const utils = await makeWorkerUtils({ connectionString, logger });
  const t0 = ms();
  for (let i = 0; i < n; i += batch) {
    const specs = [];
    for (let k = i; k < Math.min(n, i + batch); k++)
      specs.push({ identifier: "noop", payload: { company: `Company ${k + 1}`,
        rank: (k % 100) + 1,
        url: `https://news.example.com/search?q=company-${k + 1}` } });
    await utils.addJobs(specs);
  }
  const s = (ms() - t0) / 1000;
  console.log(`${s.toFixed(2)} s ${Math.round(n / s)} jobs/s`);
  await utils.release();
} else if (mode === "run") {
  const n = Number(a);
  let done = 0, t0 = 0, finish;
  const all = new Promise((r) => (finish = r));
  t0 = ms();
  const runner = await run({ connectionString, logger, concurrency: Number(b),
    noHandleSignals: true, pollInterval: 1000,
    taskList: { noop: async () => { if (++done === n) finish(); } } });
  await all;
  const s = (ms() - t0) / 1000;
  await runner.stop();
  console.log(`${s.toFixed(2)} s ${Math.round(n / s)} jobs/s`);
} else if (mode === "latency") {
  const k = Number(a);
  const lat = [];
  let next;
  const runner = await run({ connectionString, logger, concurrency: Number(b),
    noHandleSignals: true, pollInterval: 60000,
    taskList: { noop: async (p) => { lat.push(ms() - p.t); next(); } } });
  const utils = await makeWorkerUtils({ connectionString, logger });
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < k; i++) {
    const started = new Promise((r) => (next = r));
    await utils.addJob("noop", { t: ms() });
    await started;
    await new Promise((r) => setTimeout(r, 20));
  }
  lat.sort((x, y) => x - y);
  const q = (f) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
  console.log(`median ${q(0.5).toFixed(2)} ms p90 ${q(0.9).toFixed(2)} ms`);
  await utils.release();
  await runner.stop();
}
