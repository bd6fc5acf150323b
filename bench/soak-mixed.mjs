/**
 * `npm run soak` (builds, then runs this): a timed soak of MIXED traffic against the service as
 * deployed (dist/server.js, NODE_ENV=production, the Dockerfile's node flags, SQLite in a temp
 * dir, request logs to a file there, rate limiting off), at 64 connections: the token routes,
 * create-meeting, validate-meeting on ids the run itself created, /healthz and /readyz, and bad
 * requests that must be answered 4xx. The server's RSS (VmRSS) is sampled every few seconds.
 *
 * Prints, and writes to bench/soak-results.md: requests, req/s, errors (socket errors and
 * timeouts), 5xx, responses by status and by request kind, p50/p99, RSS after warm-up (the first
 * 10 % of the run), at the end and at its peak, and the growth after warm-up. Exits 1 when any
 * request failed (error or timeout), any response was 5xx, a request got a status other than its
 * expected one, the server died, or RSS grew by SOAK_MAX_GROWTH_PCT (10) % or more; 2 when the
 * runner itself failed.
 *
 *   SOAK_SECONDS (300)  SOAK_CONNECTIONS (64)  SOAK_OUTPUT (bench/soak-results.md)
 *   SOAK_KEEP_TMP=1 keeps the temp dir (database, log)  BENCH_PIN=0 turns off core pinning
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVideoSdkToken, secretKey } from '../dist/index.js';
import { run } from './load.mjs';
import { machineInfo } from './report.mjs';
import { CREDENTIALS, THRESHOLDS } from './settings.mjs';
import { killAll, pinRunner, PINNED, startTarget } from './targets.mjs';

const positive = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
};
const SECONDS = positive('SOAK_SECONDS', 300);
const CONNECTIONS = Math.round(positive('SOAK_CONNECTIONS', 64));
const MAX_GROWTH_PCT = positive('SOAK_MAX_GROWTH_PCT', THRESHOLDS.soakGrowthPct);
const OUTPUT = process.env.SOAK_OUTPUT ?? fileURLToPath(new URL('soak-results.md', import.meta.url));
const WARMUP_SHARE = 0.1;
// About 60 samples over the run, one every 1 to 5 seconds.
const SAMPLE_MS = Math.min(5000, Math.max(1000, Math.round((SECONDS * 1000) / 60)));
/** Ids from create-meeting responses that validate-meeting requests pick from; the newest are kept. */
const POOL_SIZE = 10_000;

const say = (line) => process.stderr.write(`soak: ${line}\n`);
const tmp = mkdtempSync(join(tmpdir(), 'rtc-soak-'));
const cleanup = () => {
  killAll();
  if (process.env.SOAK_KEEP_TMP !== '1') rmSync(tmp, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    say(`${signal}: stopping the server`);
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const videosdk = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
const bearer = (claims) => `Bearer ${buildVideoSdkToken({ ...claims, expiresIn: 86400 }, videosdk).token}`;
const crawler = { authorization: bearer({ roles: ['crawler'], participantId: 'soak' }) };
const rtcOnly = { authorization: bearer({ roles: ['rtc'], participantId: 'soak' }) };

/** Meeting ids created during the run (a ring), for the validate-meeting requests. */
const pool = [];
let pooled = 0;
let picked = 0;
const remember = (status, body) => {
  if (status !== 201) return;
  pool[pooled++ % POOL_SIZE] = JSON.parse(body).meetingId;
};

/**
 * What one connection sends, in turn, over and over: each entry with the only status it may get.
 * Roughly two requests in three are good ones, one in three a client mistake.
 */
const MIX = [
  { name: 'GET /conference-token', expect: 200, path: '/conference-token?userId=user-1&roomId=room-1&role=publisher&expirationMinutes=120' },
  { name: 'GET /get-token', expect: 200, path: '/get-token?roomId=room-1&participantId=user-1&permissions=allow_join,allow_mod&roles=rtc' },
  { name: 'POST /create-meeting', expect: 201, method: 'POST', path: '/create-meeting', headers: crawler, onResponse: remember },
  { name: 'GET /hms/app-token', expect: 200, path: '/hms/app-token?roomId=room-1&userId=user-1&role=host' },
  { name: 'POST /validate-meeting/:id (created)', expect: 200, method: 'POST', path: '/validate-meeting/:id', headers: crawler, pick: true },
  { name: 'GET /access_token', expect: 200, path: '/access_token?channelName=room-1&uid=12345&role=publisher&expireTime=600' },
  { name: 'GET /chat-token', expect: 200, path: '/chat-token?userId=user-1&channelId=general&write=false' },
  { name: 'GET /healthz', expect: 200, path: '/healthz' },
  { name: 'GET /rtm_token', expect: 200, path: '/rtm_token?uid=alice' },
  { name: 'GET /readyz', expect: 200, path: '/readyz' },
  { name: 'bad: /access_token without channelName', expect: 400, path: '/access_token?uid=42' },
  { name: 'bad: expirationMinutes=1e3', expect: 400, path: '/conference-token?userId=u&roomId=r&role=admin&expirationMinutes=1e3' },
  { name: 'bad: create-meeting without Authorization', expect: 401, method: 'POST', path: '/create-meeting' },
  { name: 'bad: create-meeting with an rtc-only token', expect: 403, method: 'POST', path: '/create-meeting', headers: rtcOnly },
  {
    name: 'bad: create-meeting with malformed JSON',
    expect: 400,
    method: 'POST',
    path: '/create-meeting',
    headers: { ...crawler, 'content-type': 'application/json' },
    body: '{"a":',
  },
  { name: 'bad: malformed meeting id', expect: 400, method: 'POST', path: '/validate-meeting/NOT-A-MEETING', headers: crawler },
  { name: 'bad: unknown meeting id', expect: 404, method: 'POST', path: '/validate-meeting/zzzz-zzzz-zzzz', headers: crawler },
  { name: 'bad: unknown path', expect: 404, path: '/no-such-route' },
  { name: 'bad: DELETE /conference-token', expect: 405, method: 'DELETE', path: '/conference-token?userId=u&roomId=r&role=admin' },
];

/** Responses per request kind and status; a status other than `expect` is a failure. */
const byKind = MIX.map((entry) => ({ name: entry.name, expect: entry.expect, statuses: {} }));
const requests = MIX.map((entry, i) => ({
  method: entry.method ?? 'GET',
  path: entry.path,
  headers: entry.headers ?? {},
  ...(entry.body === undefined ? {} : { body: entry.body }),
  ...(entry.pick ? { setupRequest: (req) => ({ ...req, path: `/validate-meeting/${pool[picked++ % Math.min(pooled, POOL_SIZE)]}` }) } : {}),
  onResponse: (status, body) => {
    byKind[i].statuses[status] = (byKind[i].statuses[status] ?? 0) + 1;
    entry.onResponse?.(status, body);
  },
}));

async function main() {
  pinRunner();
  const machine = machineInfo(PINNED);
  const logFile = join(tmp, 'service.log');
  const target = await startTarget('service', { databaseUrl: `sqlite:${join(tmp, 'meetings.db')}`, cwd: tmp, logFile });
  say(
    `service pid ${target.pid} on ${target.url}; ${SECONDS} s of mixed traffic at ${CONNECTIONS} connections; RSS every ${SAMPLE_MS / 1000} s; temp dir ${tmp}`,
  );
  let measured;
  try {
    // A few ids before the load, so the first validate-meeting requests have something to validate.
    for (let i = 0; i < 16; i++) {
      const res = await fetch(`${target.url}/create-meeting`, { method: 'POST', headers: crawler });
      remember(res.status, await res.text());
    }
    if (pooled === 0) throw new Error('create-meeting does not answer 201 before the load; nothing to soak');

    const startedAt = Date.now();
    const samples = [{ at: 0, rssKb: target.rssKb() }];
    const sampler = setInterval(() => samples.push({ at: (Date.now() - startedAt) / 1000, rssKb: target.rssKb() }), SAMPLE_MS);
    let done = 0;
    let nextReport = 0.1;
    const result = await run(
      'soak',
      target.url,
      { requests },
      { connections: CONNECTIONS },
      {
        seconds: SECONDS,
        onTick: (counter) => {
          done += counter;
          const share = (Date.now() - startedAt) / 1000 / SECONDS;
          if (share < nextReport) return;
          say(`${Math.min(100, Math.round(share * 100))} %: ${done.toLocaleString('en-US')} requests, RSS ${mb(target.rssKb())} MB`);
          while (nextReport <= share) nextReport += 0.1;
        },
      },
    ).finally(() => clearInterval(sampler));
    samples.push({ at: (Date.now() - startedAt) / 1000, rssKb: target.rssKb() });
    measured = { result, samples, peakKb: target.peakRssKb(), crashed: target.crashed(), machine };
  } finally {
    await target.stop();
  }
  return summarize({ ...measured, logBytes: statSync(logFile).size });
}

const mb = (kb) => (kb === undefined ? '–' : (kb / 1024).toFixed(1));
const count = (n) => n.toLocaleString('en-US');

function summarize({ result, samples, peakKb, crashed, machine, logBytes }) {
  const warmupAt = SECONDS * WARMUP_SHARE;
  const afterWarmup = samples.find((s) => s.at >= warmupAt && s.rssKb !== undefined) ?? samples[0];
  const end = samples.findLast((s) => s.rssKb !== undefined);
  const growthPct = (100 * (end.rssKb - afterWarmup.rssKb)) / afterWarmup.rssKb;
  const maxSampledKb = Math.max(...samples.map((s) => s.rssKb ?? 0));
  const fivexx = Object.entries(result.statusCodes)
    .filter(([code]) => code.startsWith('5'))
    .reduce((n, [, c]) => n + c, 0);
  const unexpected = byKind.flatMap((k) =>
    Object.entries(k.statuses)
      .filter(([code]) => Number(code) !== k.expect)
      .map(([code, c]) => ({ kind: k.name, code, count: c })),
  );
  const unexpectedCount = unexpected.reduce((n, u) => n + u.count, 0);

  const problems = [];
  if (result.errors + result.timeouts > 0) problems.push(`${result.errors} socket errors and ${result.timeouts} timeouts`);
  if (fivexx > 0) problems.push(`${fivexx} responses were 5xx`);
  if (unexpectedCount > 0)
    problems.push(
      `${unexpectedCount} responses had a status their request must not get: ${unexpected.map((u) => `${u.kind} → ${u.code} ×${u.count}`).join('; ')}`,
    );
  if (crashed) problems.push('the server process died during the run');
  if (!(growthPct < MAX_GROWTH_PCT)) problems.push(`RSS grew ${growthPct.toFixed(1)} % after warm-up (limit: under ${MAX_GROWTH_PCT} %)`);

  const trace = [0.1, 0.25, 0.5, 0.75, 1].map((share) => samples.find((s) => s.at >= SECONDS * share && s.rssKb !== undefined) ?? end);
  const lines = [
    '# Soak: mixed traffic',
    '',
    `${new Date().toISOString()}, \`npm run soak\` with SOAK_SECONDS=${SECONDS}: the service as deployed (dist/server.js, NODE_ENV=production,`,
    `LOG_LEVEL=info to a file, the Dockerfile's node flags, SQLite, rate limiting off), ${CONNECTIONS} connections of autocannon ${machine.autocannon},`,
    `each cycling through the ${MIX.length} requests listed below. RSS (VmRSS) sampled every ${SAMPLE_MS / 1000} s; warm-up is the first ${WARMUP_SHARE * 100} % of the run.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores${machine.pinned ? ' (server pinned to core 0, load to core 1)' : ''}, ${machine.ramGb} GB RAM, node ${machine.node}, load average before ${machine.load}.`,
    '',
    `**${problems.length === 0 ? 'PASS' : 'FAIL'}**${problems.length === 0 ? ': no errors, no 5xx, every status as expected, RSS growth under the limit.' : `: ${problems.join('; ')}.`}`,
    '',
    '| figure | value |',
    '| --- | ---: |',
    `| duration | ${result.duration} s |`,
    `| requests | ${count(result.total)} |`,
    `| req/s | ${count(Math.round(result.rps))} |`,
    `| errors (socket errors / timeouts) | ${result.errors} / ${result.timeouts} |`,
    `| 5xx | ${fivexx} |`,
    `| unexpected statuses | ${unexpectedCount} |`,
    `| latency p50 / p99 | ${result.p50} / ${result.p99} ms |`,
    `| RSS after warm-up (at ${afterWarmup.at.toFixed(0)} s) | ${mb(afterWarmup.rssKb)} MB |`,
    `| RSS at end | ${mb(end.rssKb)} MB |`,
    `| RSS peak (sampled / VmHWM) | ${mb(maxSampledKb)} / ${mb(peakKb)} MB |`,
    `| RSS growth after warm-up | ${growthPct.toFixed(1)} % |`,
    `| request log written | ${(logBytes / 2 ** 20).toFixed(0)} MB |`,
    '',
    `RSS over the run: ${trace.map((s) => `${s.at.toFixed(0)} s ${mb(s.rssKb)} MB`).join(' → ')}.`,
    '',
    '| status | responses |',
    '| --- | ---: |',
    ...Object.entries(result.statusCodes).map(([code, c]) => `| ${code} | ${count(c)} |`),
    '',
    '| request | expected | responses | by status |',
    '| --- | ---: | ---: | --- |',
    ...byKind.map((k) => {
      const total = Object.values(k.statuses).reduce((a, b) => a + b, 0);
      return `| ${k.name} | ${k.expect} | ${count(total)} | ${Object.entries(k.statuses)
        .map(([code, c]) => `${code}×${count(c)}`)
        .join(' ')} |`;
    }),
    '',
  ];
  return { report: lines.join('\n'), problems };
}

let outcome;
try {
  outcome = await main();
} catch (error) {
  say(`failed: ${error.stack ?? error}`);
  cleanup();
  process.exit(2);
}
cleanup();
process.stdout.write(outcome.report);
writeFileSync(OUTPUT, outcome.report);
say(`wrote ${OUTPUT}`);
if (outcome.problems.length > 0) {
  for (const problem of outcome.problems) say(`FAIL: ${problem}`);
  process.exit(1);
}
process.exit(0);
