/**
 * `npm run bench` (after `npm run build`): the service against a bare Express route and a bare
 * node:http route issuing the same tokens, /validate-meeting against the registry's size, and an
 * RSS soak. Prints the report and writes it to bench/results.md. Exits 1 when any request failed
 * or a server died (a benchmark of error responses measures nothing), 2 when the runner itself
 * failed or hit the overall time limit; a missed performance target is reported, never fatal.
 * See bench/README.md for the knobs.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failures, smoke, warmAndMeasure } from './load.mjs';
import { machineInfo, medians, render } from './report.mjs';
import { dropSchemas, seedPostgres, seedSqlite } from './seed.mjs';
import { meetingAuth, validateSpec } from './meeting-load.mjs';
import { loadSettings, TARGETS, THRESHOLDS, TOKEN_ROUTES } from './settings.mjs';
import { soak } from './soak.mjs';
import { killAll, startTarget, pinRunner, PINNED } from './targets.mjs';

const settings = loadSettings();
pinRunner();
const startedAt = Date.now();
const machine = machineInfo(PINNED);
const tmp = mkdtempSync(join(tmpdir(), 'rtc-bench-'));
const schemas = [];
const say = (line) => process.stderr.write(`bench: ${line}\n`);

async function cleanup() {
  killAll();
  sink?.close();
  if (settings.postgresUrl) await dropSchemas(settings.postgresUrl, schemas);
  if (process.env.BENCH_KEEP_TMP !== '1') rmSync(tmp, { recursive: true, force: true });
}
const abort = (code, why) => {
  say(why);
  // Cleanup gets a few seconds; the exit happens regardless.
  setTimeout(() => process.exit(code), 5000).unref();
  void cleanup().finally(() => process.exit(code));
};
process.once('SIGINT', () => abort(130, 'interrupted; stopping every server'));
process.once('SIGTERM', () => abort(143, 'terminated; stopping every server'));
setTimeout(() => abort(2, `over BENCH_MAX_MINUTES (${settings.maxMinutes}); stopping`), settings.maxMinutes * 60_000).unref();

const logFor = (name) => (settings.logDestination === '' ? join(tmp, `${name}.log`) : settings.logDestination);
const slug = (label) => label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');

/** An OTLP/HTTP receiver on 127.0.0.1 that reads and drops every export, answering 200 as a collector does. */
let sink;
async function otlpSink() {
  sink = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${sink.address().port}`;
}

/** The three targets on one route: fresh processes, every round alternating, the order rotated. */
async function compare(row) {
  const started = {};
  const results = {};
  try {
    for (const t of TARGETS) {
      const env = t.id === 'service' ? (row.serviceEnv ?? {}) : {};
      started[t.id] = await startTarget(t.id, { databaseUrl: row.databaseUrl(t.id), cwd: tmp, logFile: logFor(`${slug(row.label)}-${t.id}`), env });
      const ok = await smoke(`${row.label} ${t.id}`, started[t.id].url, row.spec, row.expect);
      results[t.id] = { rounds: [], ok };
    }
    for (let round = 0; round < settings.rounds; round++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]);
      for (const t of order.filter((x) => results[x.id].ok)) {
        const m = await warmAndMeasure(`${row.label} ${t.id} round ${round + 1}`, started[t.id].url, row.spec, settings);
        results[t.id].rounds.push(m);
        say(`${row.label} ${t.label} round ${round + 1}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.bad ? `, ${m.bad} FAILED` : ''}`);
      }
    }
    for (const t of TARGETS) {
      results[t.id].peakRssKb = started[t.id].peakRssKb();
      if (started[t.id].crashed())
        failures.set(`${row.label} ${t.id}`, { errors: 1, timeouts: 0, non2xx: 0, codes: `the process died; see ${started[t.id].logFile}` });
    }
  } catch (error) {
    failures.set(`${row.label}`, { errors: 1, timeouts: 0, non2xx: 0, codes: error.message });
  } finally {
    await Promise.all(Object.values(started).map((t) => t.stop()));
  }
  return { ...row, results };
}

/** /validate-meeting on the service with a small and a large registry, alternating per round. */
async function scale(store, small, large) {
  const row = { store, small: { count: small.count, rounds: [] }, large: { count: large.count, rounds: [] } };
  const servers = {};
  try {
    for (const [name, db] of [
      ['small', small],
      ['large', large],
    ]) {
      servers[name] = await startTarget('service', { databaseUrl: db.url, cwd: tmp, logFile: logFor(`scale-${store}-${name}`) });
      if (!(await smoke(`scale ${store} ${name}`, servers[name].url, validateSpec(db.count), ['meetingId', 'valid']))) return row;
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const name of round % 2 ? ['large', 'small'] : ['small', 'large']) {
        const m = await warmAndMeasure(`scale ${store} ${name} round ${round + 1}`, servers[name].url, validateSpec(row[name].count), settings);
        row[name].rounds.push(m);
        say(`/validate-meeting ${store} ${row[name].count} meetings round ${round + 1}: ${Math.round(m.rps)} req/s, p99 ${m.p99} ms`);
      }
    }
  } catch (error) {
    failures.set(`scale ${store}`, { errors: 1, timeouts: 0, non2xx: 0, codes: error.message });
  } finally {
    await Promise.all(Object.values(servers).map((t) => t.stop()));
  }
  return row;
}

async function main() {
  say(`temp dir ${tmp}; ${settings.quick ? 'quick smoke run' : 'full run'}`);
  const sqlite = {};
  for (const [name, count] of [
    ['small', settings.smallMeetings],
    ['large', settings.largeMeetings],
  ]) {
    const t0 = Date.now();
    const path = join(tmp, `meetings-${name}.db`);
    sqlite[name] = { count: await seedSqlite(path, count), url: `sqlite:${path}` };
    say(`seeded SQLite with ${sqlite[name].count} meetings in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const postgres = {};
  if (settings.postgresUrl) {
    for (const [name, count] of [
      ['small', settings.smallMeetings],
      ['large', settings.largeMeetings],
    ]) {
      const t0 = Date.now();
      const schema = `bench_${process.pid}_${name}`;
      schemas.push(schema);
      const { url, rows } = await seedPostgres(settings.postgresUrl, schema, count);
      postgres[name] = { count: rows, url };
      say(`seeded PostgreSQL schema ${schema} with ${rows} meetings in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }

  const fresh = (label) => (kind) => `sqlite:${join(tmp, `${slug(label)}-${kind}.db`)}`;
  const traced = TOKEN_ROUTES[0];
  const rows = [
    ...TOKEN_ROUTES.map((r) => ({
      label: r.name,
      kind: r.jwt ? 'jwt' : 'agora',
      spec: { path: r.path },
      expect: r.expect ?? ['token', 'expiresAt'],
      databaseUrl: fresh(r.name),
    })),
    // The same route with OpenTelemetry on: every request's span exported over OTLP/HTTP to a
    // receiver in this process that reads and drops them. The rows above run with it off.
    {
      label: `${traced.name} (tracing on)`,
      plainLabel: traced.name,
      kind: 'tracing',
      spec: { path: traced.path },
      expect: ['token', 'expiresAt'],
      databaseUrl: fresh(`${traced.name} tracing`),
      serviceEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: await otlpSink() },
    },
    {
      label: '/create-meeting (SQLite)',
      kind: 'meeting',
      spec: { method: 'POST', path: '/create-meeting', headers: meetingAuth },
      expect: ['meetingId', 'createdAt'],
      databaseUrl: fresh('create'),
    },
    {
      label: `/validate-meeting (SQLite, ${sqlite.large.count.toLocaleString('en-US')})`,
      minVsExpress: THRESHOLDS.validateVsExpress,
      kind: 'meeting',
      spec: validateSpec(sqlite.large.count),
      expect: ['meetingId', 'valid'],
      databaseUrl: () => sqlite.large.url,
    },
    ...(postgres.large
      ? [
          {
            label: `/validate-meeting (PostgreSQL, ${postgres.large.count.toLocaleString('en-US')})`,
            minVsExpress: THRESHOLDS.validateVsExpress,
            kind: 'meeting',
            spec: validateSpec(postgres.large.count),
            expect: ['meetingId', 'valid'],
            databaseUrl: () => postgres.large.url,
          },
        ]
      : []),
  ];
  const mainRows = [];
  for (const row of rows) mainRows.push(await compare(row));

  const scaleRows = [await scale('SQLite', sqlite.small, sqlite.large)];
  if (postgres.large) scaleRows.push(await scale('PostgreSQL', postgres.small, postgres.large));

  let soakResult;
  if (!settings.skipSoak) {
    const target = await startTarget('service', { databaseUrl: fresh('soak')('service'), cwd: tmp, logFile: logFor('soak-service') });
    try {
      say(`soak: ${settings.soakRequests} requests`);
      soakResult = await soak(target, settings);
      if (target.crashed()) failures.set('soak service', { errors: 1, timeouts: 0, non2xx: 0, codes: 'the process died' });
    } finally {
      await target.stop();
    }
  }

  const logBytes =
    settings.logDestination === ''
      ? readdirSync(tmp)
          .filter((f) => f.endsWith('-service.log') || f.startsWith('scale-'))
          .reduce((n, f) => n + statSync(join(tmp, f)).size, 0)
      : 0;
  const logNote =
    settings.logDestination === ''
      ? `a file in a temp dir (${(logBytes / 2 ** 20).toFixed(0)} MB of request logs written over the run)`
      : settings.logDestination;
  // Sanity for whoever reads the exit code only: every route the table shows was measured.
  if (mainRows.some((row) => medians(row.results.service).rps === undefined))
    failures.set('report', { errors: 1, timeouts: 0, non2xx: 0, codes: 'a route has no measurement' });
  const report = render({ settings, machine, mainRows, scaleRows, soak: soakResult, failures, elapsedSeconds: (Date.now() - startedAt) / 1000, logNote });
  process.stdout.write(report);
  writeFileSync(settings.output, report);
  say(`wrote ${settings.output}`);
}

try {
  await main();
} catch (error) {
  say(`failed: ${error.stack ?? error}`);
  await cleanup();
  process.exit(2);
}
await cleanup();
if (failures.size > 0) {
  say(`${failures.size} run(s) had failed requests:`);
  for (const [label, f] of failures) say(`  ${label}: ${f.errors} errors, ${f.timeouts} timeouts, ${f.non2xx} non-2xx ${f.codes}`);
  process.exit(1);
}
process.exit(0);
