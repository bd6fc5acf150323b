/**
 * A fast A/B for one route while optimizing: the service against bare Express (and optionally
 * bare node:http), alternating rounds, medians and the ratio. Not the report: `npm run bench` is.
 *   node bench/quick-compare.mjs [/path?query] [rounds] [seconds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget, killAll } from './targets.mjs';
import { run, median } from './load.mjs';

const path = process.argv[2] ?? '/conference-token?userId=user-1&roomId=room-1&role=publisher';
const rounds = Number(process.argv[3] ?? 3);
const seconds = Number(process.argv[4] ?? 4);
const settings = { connections: 32 };
const tmp = mkdtempSync(join(tmpdir(), 'rts-ab-'));
const kinds = (process.env.AB_TARGETS ?? 'service,express').split(',');
try {
  const servers = {};
  for (const kind of kinds) servers[kind] = await startTarget(kind, { databaseUrl: 'memory:', cwd: tmp, logFile: join(tmp, `${kind}.log`) });
  const rps = Object.fromEntries(kinds.map((k) => [k, []]));
  const p99 = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
      await run('warm', servers[kind].url, { path }, settings, { seconds: 1 });
      const m = await run(kind, servers[kind].url, { path }, settings, { seconds });
      rps[kind].push(m.rps);
      p99[kind].push(m.p99);
    }
  }
  for (const kind of kinds) console.log(`${kind.padEnd(8)} ${Math.round(median(rps[kind]))} req/s  p99 ${median(p99[kind])} ms  [${rps[kind].map(Math.round).join(', ')}]`);
  if (rps.express) console.log(`service/express = ${(median(rps.service) / median(rps.express)).toFixed(2)}`);
} finally {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
}
