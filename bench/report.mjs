/**
 * Turns the measurements into the markdown written to stdout and bench/results.md: machine,
 * settings, the three-way table, the registry-size table, the soak, and each target met/missed.
 */
import { SEEDED_RULES } from './seed.mjs';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { median } from './load.mjs';
import { TARGETS, THRESHOLDS } from './settings.mjs';
import { NODE_FLAGS } from './targets.mjs';

const require = createRequire(import.meta.url);

export function machineInfo(pinned = false) {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? 'unknown';
  return {
    pinned,
    cores: cpus().length,
    cpu,
    ramGb: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    autocannon: require('autocannon/package.json').version,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

const fmt = {
  rps: (v) => (v === undefined ? '–' : Math.round(v).toLocaleString('en-US')),
  // autocannon times responses in whole milliseconds: 0 means under one.
  ms: (v) => (v === undefined ? '–' : v < 1 ? '<1' : Number.isInteger(v) ? String(v) : v.toFixed(1)),
  ratio: (v) => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`),
  mb: (kb) => (kb === undefined ? '–' : (kb / 1024).toFixed(0)),
};

/** Medians across rounds of one target's runs. */
export function medians(target) {
  const rounds = target?.rounds ?? [];
  return { rps: median(rounds.map((r) => r.rps)), p50: median(rounds.map((r) => r.p50)), p99: median(rounds.map((r) => r.p99)) };
}

const verdict = (met) => (met === undefined ? 'n/a' : met ? '**met**' : '**missed**');

/** Every target of the issue with its measured value; `met` undefined when not measured. */
export function evaluate({ mainRows, scaleRows, soak }) {
  const checks = [];
  for (const row of mainRows) {
    const [s, e] = [medians(row.results.service), medians(row.results.express)];
    // A row's own target (the /validate-meeting rows carry one), else its kind's.
    const min = row.minVsExpress ?? (row.kind === 'jwt' ? THRESHOLDS.jwtVsExpress : row.kind === 'agora' ? THRESHOLDS.agoraVsExpress : undefined);
    if (min !== undefined) {
      const ratio = s.rps / e.rps;
      checks.push({ target: `${row.label}: (1)/(2) req/s ≥ ${min}×`, value: fmt.ratio(ratio), met: Number.isFinite(ratio) ? ratio >= min : undefined });
    }
    if (row.kind === 'tracing') {
      // Tracing's cost: the same route with spans exported, against the run without (reported, not judged).
      const plain = mainRows.find((r) => r.label === row.plainLabel);
      const ratio = s.rps / medians(plain?.results.service).rps;
      checks.push({ target: `${row.label}: req/s of (1) with tracing / without (informational)`, value: fmt.ratio(ratio), met: undefined });
    }
    // The p99 target is the token routes'; a meeting route's p99 (an fsync per created meeting, a
    // store query per validation) is shown beside it, not judged.
    const token = row.kind === 'jwt' || row.kind === 'agora';
    checks.push({
      target: `${row.label}: p99 of (1)${token ? ` ≤ ${THRESHOLDS.p99Ms} ms` : ' (informational)'}`,
      value: `${fmt.ms(s.p99)} ms`,
      met: !token || s.p99 === undefined ? undefined : s.p99 <= THRESHOLDS.p99Ms,
    });
  }
  for (const row of scaleRows) {
    const ratio = medians(row.large).rps / medians(row.small).rps;
    const applies = row.store === 'SQLite';
    checks.push({
      target: `/validate-meeting on ${row.store}: ${row.large.count.toLocaleString('en-US')} vs ${row.small.count.toLocaleString('en-US')} meetings${applies ? ` ≥ ${THRESHOLDS.validateLargeVsSmall}×` : ' (informational)'}`,
      value: fmt.ratio(ratio),
      met: applies && Number.isFinite(ratio) ? ratio >= THRESHOLDS.validateLargeVsSmall : undefined,
    });
  }
  if (soak) {
    checks.push({ target: `soak: peak RSS < ${THRESHOLDS.soakRssMb} MB`, value: `${fmt.mb(soak.peakKb)} MB`, met: soak.peakKb / 1024 < THRESHOLDS.soakRssMb });
    checks.push({
      target: `soak: RSS growth after warm-up ≤ ${THRESHOLDS.soakGrowthPct} %`,
      value: `${soak.growthPct.toFixed(1)} %`,
      met: soak.growthPct <= THRESHOLDS.soakGrowthPct,
    });
  }
  return checks;
}

function mainTable(mainRows) {
  const head = [
    '| route | req/s (1) | req/s (2) | req/s (3) | (1)/(2) | (1)/(3) | p50/p99 ms (1) | p50/p99 ms (2) | p50/p99 ms (3) | peak RSS MB (1)/(2)/(3) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const lines = mainRows.map((row) => {
    const m = TARGETS.map((t) => medians(row.results[t.id]));
    const rss = TARGETS.map((t) => fmt.mb(row.results[t.id]?.peakRssKb)).join(' / ');
    return `| ${row.label} | ${m.map((x) => fmt.rps(x.rps)).join(' | ')} | ${fmt.ratio(m[0].rps / m[1].rps)} | ${fmt.ratio(m[0].rps / m[2].rps)} | ${m.map((x) => `${fmt.ms(x.p50)} / ${fmt.ms(x.p99)}`).join(' | ')} | ${rss} |`;
  });
  return [...head, ...lines].join('\n');
}

function roundsTable(mainRows) {
  const head = ['| route | req/s (1) per round | req/s (2) per round | req/s (3) per round |', '| --- | --- | --- | --- |'];
  const lines = mainRows.map(
    (row) => `| ${row.label} | ${TARGETS.map((t) => (row.results[t.id]?.rounds ?? []).map((r) => fmt.rps(r.rps)).join(', ')).join(' | ')} |`,
  );
  return [...head, ...lines].join('\n');
}

function scaleTable(scaleRows) {
  const head = ['| store | meetings | req/s (1) | p50/p99 ms | req/s per round | vs smaller registry |', '| --- | ---: | ---: | ---: | --- | ---: |'];
  const lines = scaleRows.flatMap((row) => {
    const [small, large] = [medians(row.small), medians(row.large)];
    const perRound = (t) => t.rounds.map((r) => fmt.rps(r.rps)).join(', ');
    return [
      `| ${row.store} | ${row.small.count.toLocaleString('en-US')} | ${fmt.rps(small.rps)} | ${fmt.ms(small.p50)} / ${fmt.ms(small.p99)} | ${perRound(row.small)} | 1.00× |`,
      `| ${row.store} | ${row.large.count.toLocaleString('en-US')} | ${fmt.rps(large.rps)} | ${fmt.ms(large.p50)} / ${fmt.ms(large.p99)} | ${perRound(row.large)} | ${fmt.ratio(large.rps / small.rps)} |`,
    ];
  });
  return [...head, ...lines].join('\n');
}

function soakSection(soak, settings) {
  if (!soak) return settings.skipSoak ? '_Skipped (BENCH_SKIP_SOAK=1)._' : '_Not run._';
  const trace = soak.trace.map((s) => `${Math.round(s.donePct)} %: ${fmt.mb(s.rssKb)}`).join(' · ');
  return [
    `${soak.requests.toLocaleString('en-US')} requests to (1), mixed token routes (${soak.routes.join(', ')}), ${settings.connections} connections, in ${soak.seconds.toFixed(0)} s (${fmt.rps(soak.rps)} req/s).`,
    '',
    '| RSS after warm-up (10 % of requests) | RSS at end | highest sampled RSS | peak (VmHWM) | growth after warm-up |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${fmt.mb(soak.afterWarmupKb)} MB | ${fmt.mb(soak.endKb)} MB | ${fmt.mb(soak.maxSampledKb)} MB | ${fmt.mb(soak.peakKb)} MB | ${soak.growthPct.toFixed(1)} % |`,
    '',
    `RSS (MB) by share of requests done: ${trace}`,
  ].join('\n');
}

/** The whole report as markdown. */
export function render({ settings, machine, mainRows, scaleRows, soak, failures, elapsedSeconds, logNote }) {
  const checks = evaluate({ mainRows, scaleRows, soak });
  const failureLines = [...failures].map(
    ([label, f]) => `- ${label}: ${f.errors} errors, ${f.timeouts} timeouts, ${f.non2xx} non-2xx ${f.codes ? `(${f.codes})` : ''}`,
  );
  return `# rtc-token-server benchmark

${new Date().toISOString()} · ${settings.quick ? '**--quick smoke run: numbers are not meaningful**' : 'full run'} · took ${Math.round(elapsedSeconds)} s

**Machine:** ${machine.cores} cores (${machine.cpu}), ${machine.ramGb} GiB RAM, node ${machine.node}, load average at start ${machine.load}. The load generator (autocannon ${machine.autocannon}, in the runner's process, the same for every target) ${machine.pinned ? 'runs pinned to core 1 and every server under test to core 0 (taskset), so they do not compete for a core' : 'and the server under test share these cores'}, and the machine is shared with other work: compare columns of one run, not runs of different days. Latencies are autocannon's, in whole milliseconds (<1 = under one).

**Settings:** ${settings.connections} connections, warm-up ${settings.warmup} s (not measured) then ${settings.duration} s measured, ${settings.rounds} round(s) per route, targets alternating with the order rotated each round; figures are medians across rounds.

**Targets:** (1) the service, \`node dist/server.js\` with NODE_ENV=production, LOG_LEVEL=info and its whole middleware chain, logging to ${logNote}; (2) a bare Express 5 route and (3) a bare node:http route (bench/bare-express.js, bench/bare-http.js), issuing the same token with the same builder, credentials and store from dist/. **Rate limiting is off in (1)** (RATE_LIMIT_PER_MINUTE=0): the load comes from one client IP, which any per-IP limit would throttle. The bare routes skip helmet, the request id and request log, metrics, CORS, nocache headers, rate limiting, 405/OPTIONS handling, the service's query parsing and validation beyond the builder's own argument checks, the JSON body parser and the problem+json error handler; the meeting routes keep the service's VideoSDK token check (signature, the revocation rules held in memory, roles). All three run with the node flags of the Dockerfile's CMD (${NODE_FLAGS.map((f) => `\`${f}\``).join(' ')}). Peak RSS is each process's VmHWM after its route's rounds (all three start fresh per route).

## Token and meeting routes

${mainTable(mainRows)}

Meeting routes are POSTs with a VideoSDK token in Authorization. /create-meeting writes to an empty SQLite file per target (synchronous=FULL: one fsync per meeting). /validate-meeting rotates over 1,000 known ids spread across a registry of ${settings.largeMeetings.toLocaleString('en-US')} meetings shared by the three targets, which also holds ${SEEDED_RULES} revocation rules (users, rooms and token ids the bench never asks for): the service and the bare routes load them into memory and check every token against them, so a meeting request is one store query for all three.

${roundsTable(mainRows)}

## /validate-meeting against the registry's size, service (1)

${scaleTable(scaleRows)}${settings.postgresUrl ? '' : '\n\nPostgreSQL not measured: TEST_DATABASE_URL is not set.'}

## RSS soak, service (1)

${soakSection(soak, settings)}

## Targets

| target | measured | |
| --- | ---: | --- |
${checks.map((c) => `| ${c.target} | ${c.value} | ${verdict(c.met)} |`).join('\n')}

## Failed requests

${failureLines.length === 0 ? 'None: every request of every run (warm-ups included) answered 2xx.' : failureLines.join('\n')}
`;
}
