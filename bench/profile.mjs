/**
 * `node bench/profile.mjs [route] [seconds] [service|express|http]` (after `npm run build`): one
 * target under the benchmark's load with `--cpu-prof`, then where its CPU time went: the top
 * functions by self time and the same time summed by package. Default: the service on
 * /conference-token for 10 s. Profiling a bare target too answers "what does the service do
 * that the bare route does not" before anyone guesses.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './load.mjs';
import { loadSettings, TOKEN_ROUTES } from './settings.mjs';
import { startTarget } from './targets.mjs';
import { validateSpec } from './meeting-load.mjs';
import { seedSqlite } from './seed.mjs';

const [routeName = '/conference-token', seconds = '10', kind = 'service'] = process.argv.slice(2);
// /validate-meeting: POST over a seeded SQLite registry of 1,000 meetings (and the bench's rules).
const validate = routeName === '/validate-meeting';
const route = validate ? { name: routeName } : TOKEN_ROUTES.find((r) => r.name === routeName);
if (!route) throw new Error(`route must be /validate-meeting or one of ${TOKEN_ROUTES.map((r) => r.name).join(', ')}`);
if (!['service', 'express', 'http'].includes(kind)) throw new Error('target must be service, express or http');
const settings = loadSettings([]);
const tmp = mkdtempSync(join(tmpdir(), 'rtc-profile-'));

try {
  if (validate) await seedSqlite(join(tmp, 'm.db'), 1000);
  const spec = validate ? validateSpec(1000) : { path: route.path };
  const target = await startTarget(kind, {
    databaseUrl: `sqlite:${join(tmp, 'm.db')}`,
    cwd: tmp,
    logFile: join(tmp, `${kind}.log`),
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${tmp}`],
  });
  // Warm-up first so the profile shows optimized steady state, not start-up and JIT.
  await run('profile warm-up', target.url, spec, settings, { seconds: 3 });
  const result = await run('profile', target.url, spec, settings, { seconds: Number(seconds) });
  await target.stop(); // the profile is written as the process exits
  const file = readdirSync(tmp).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written');
  console.log(`${kind} ${route.name}: ${Math.round(result.rps)} req/s over ${seconds} s (profile includes start-up and warm-up)\n`);
  summarize(JSON.parse(readFileSync(join(tmp, file), 'utf8')));
} finally {
  if (process.env.BENCH_KEEP_TMP === '1') console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

/** The package a call frame belongs to, or a coarse bucket for everything else. */
function areaOf({ url, functionName }) {
  const pkg = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/')) return 'service (dist/)';
  if (url.startsWith('node:')) return 'node internals (JS)';
  return functionName.startsWith('(') ? functionName : 'native / V8 / other';
}

/**
 * Self time per function and per package, and "on-stack" time per package: the share of samples
 * with that package anywhere on the stack, i.e. what the package costs including what it calls.
 */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  const fns = new Map();
  const areas = new Map();
  const onStack = new Map();
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    add(fns, `${frame.functionName || '(anonymous)'} ${where}`.trim(), us);
    add(areas, areaOf(frame), us);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(areaOf(byId.get(at).callFrame));
    for (const area of seen) add(onStack, area, us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log('Self time by package:');
  for (const [area, us] of top(areas, 15)) console.log(`  ${pct(us)}  ${area}`);
  // Middleware call next() synchronously, so every later middleware and the handler sit on an
  // earlier one's stack: this column is meaningful for leaf packages (jsonwebtoken, pino…) only.
  console.log('\nOn-stack time by package (includes what it calls; for middleware, everything after it too):');
  for (const [area, us] of top(onStack, 21).filter(([a]) => a !== '(root)')) console.log(`  ${pct(us)}  ${area}`);
  console.log('\nTop functions by self time:');
  for (const [fn, us] of top(fns, Number(process.env.PROFILE_TOP ?? 30))) console.log(`  ${pct(us)}  ${fn}`);
}
