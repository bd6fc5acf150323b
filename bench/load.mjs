/**
 * The load: autocannon, driven from the runner's process (the servers run in their own). Every
 * run's failures (connection errors, timeouts, non-2xx) are added to one tally, so the runner
 * can exit non-zero when anything went wrong, whatever the throughput.
 */
import autocannon from 'autocannon';

/** Failures by label ("/get-token service warm-up"…); any entry makes the run fail. */
export const failures = new Map();

function tally(label, result) {
  const bad = { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx };
  if (bad.errors + bad.timeouts + bad.non2xx === 0) return;
  const codes = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}×${count}`);
  failures.set(label, { ...bad, codes: codes.join(' ') });
}

/**
 * An autocannon request spec: `paths` (when given) rotates over many paths, e.g. known meeting
 * ids, one per request across all connections.
 */
function options(baseUrl, spec, settings) {
  const opts = {
    url: baseUrl + (spec.path ?? '/'),
    connections: settings.connections,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    timeout: 10,
  };
  if (spec.paths) {
    let next = 0;
    opts.requests = [{ setupRequest: (req) => ({ ...req, path: spec.paths[next++ % spec.paths.length] }) }];
  } else if (spec.requests) {
    opts.requests = spec.requests;
  }
  return opts;
}

/**
 * Runs autocannon once: `seconds` long, or `amount` requests (bounded by `limitSeconds` all the
 * same). `onTick` is called once a second with the requests completed in that second.
 */
export function run(label, baseUrl, spec, settings, { seconds, amount, limitSeconds, onTick } = {}) {
  const opts = { ...options(baseUrl, spec, settings), ...(amount ? { amount } : { duration: seconds }) };
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (error, result) => {
      clearTimeout(limit);
      if (error) return reject(error);
      tally(label, result);
      resolve(summarize(result));
    });
    const limit = setTimeout(() => instance.stop(), 1000 * (limitSeconds ?? (seconds ?? 60) + 30));
    if (onTick) instance.on('tick', ({ counter }) => onTick(counter));
  });
}

function summarize(result) {
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    duration: result.duration,
    bad: result.errors + result.timeouts + result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    /** Responses by HTTP status: { "200": n, … }. */
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
  };
}

/** Warm-up (not measured, but its failures count), then the measured run. */
export async function warmAndMeasure(label, baseUrl, spec, settings) {
  if (settings.warmup > 0) await run(`${label} warm-up`, baseUrl, spec, settings, { seconds: settings.warmup });
  return run(label, baseUrl, spec, settings, { seconds: settings.duration });
}

/**
 * One request before any load: the target must answer 2xx with the body the route promises.
 * Catches a target that "performs" by answering errors fast.
 */
export async function smoke(label, baseUrl, spec, expectKeys) {
  const path = spec.paths ? spec.paths[0] : spec.path;
  try {
    const res = await fetch(baseUrl + path, { method: spec.method ?? 'GET', headers: spec.headers, signal: AbortSignal.timeout(5000) });
    const body = await res.json().catch(() => ({}));
    const missing = expectKeys.filter((key) => !(key in body));
    if (res.ok && missing.length === 0) return true;
    failures.set(`${label} smoke`, { errors: 0, timeouts: 0, non2xx: res.ok ? 0 : 1, codes: `${res.status} missing: ${missing.join(',') || '-'}` });
  } catch (error) {
    failures.set(`${label} smoke`, { errors: 1, timeouts: 0, non2xx: 0, codes: error.message });
  }
  return false;
}

export const median = (values) => {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
