/**
 * The RSS soak: a fixed number of requests (not a duration, so "through 500,000 requests" means
 * exactly that) of mixed token routes against a fresh service, sampling its RSS once a second.
 * The first 10 % of requests count as warm-up: heaps and JIT settle there, and growth is judged
 * from that point to the end.
 */
import { run } from './load.mjs';
import { TOKEN_ROUTES } from './settings.mjs';

const WARMUP_SHARE = 0.1;

export async function soak(target, settings) {
  const total = settings.soakRequests;
  const samples = [];
  let done = 0;
  const sample = () => samples.push({ done, rssKb: target.rssKb() });
  // Each connection cycles through the routes in turn.
  const spec = { requests: TOKEN_ROUTES.map((route) => ({ method: 'GET', path: route.path })) };
  const started = Date.now();
  // Bounded even if the service slows to a crawl: 30 minutes or 200 req/s, whichever is longer.
  const limitSeconds = Math.max(1800, total / 200);
  const result = await run('soak service', target.url, spec, settings, {
    amount: total,
    limitSeconds,
    onTick: (counter) => {
      done += counter;
      sample();
    },
  });
  done = result.total;
  sample();

  const seconds = (Date.now() - started) / 1000;
  const afterWarmup = samples.find((s) => s.done >= total * WARMUP_SHARE) ?? samples[0];
  const end = samples.at(-1);
  const trace = [0.1, 0.25, 0.5, 0.75, 1].map((share) => {
    const s = samples.find((x) => x.done >= total * share) ?? end;
    return { donePct: (100 * s.done) / total, rssKb: s.rssKb };
  });
  return {
    requests: result.total,
    routes: TOKEN_ROUTES.map((r) => r.name),
    seconds,
    rps: result.total / seconds,
    afterWarmupKb: afterWarmup.rssKb,
    endKb: end.rssKb,
    maxSampledKb: Math.max(...samples.map((s) => s.rssKb ?? 0)),
    peakKb: target.peakRssKb(),
    growthPct: (100 * (end.rssKb - afterWarmup.rssKb)) / afterWarmup.rssKb,
    trace,
  };
}
