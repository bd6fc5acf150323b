/**
 * A fast A/B for one route while optimizing: the service against bare Express (and optionally
 * bare node:http), alternating rounds, medians and the ratio. Not the report: `npm run bench` is.
 *   node bench/quick-compare.mjs [/path?query] [rounds] [seconds]
 * AB_TARGETS picks the targets (default service,express); `baseline` is a build copied to
 * dist-baseline/ beforehand (cp -r dist dist-baseline), to weigh a change before and after.
 * The path `validate` is POST /validate-meeting over a seeded SQLite registry of 1,000 meetings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startTarget, killAll } from './targets.mjs';
import { run, median } from './load.mjs';
import { validateSpec } from './meeting-load.mjs';
import { seedSqlite } from './seed.mjs';

const path = process.argv[2] ?? '/conference-token?userId=user-1&roomId=room-1&role=publisher';
const rounds = Number(process.argv[3] ?? 3);
const seconds = Number(process.argv[4] ?? 4);
const settings = { connections: 32 };
const validate = path === 'validate';
// CPU seconds (user + system) a process has used: steadier than req/s on a shared machine.
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const tmp = mkdtempSync(join(tmpdir(), 'rts-ab-'));
const kinds = (process.env.AB_TARGETS ?? 'service,express').split(',');
try {
  const servers = {};
  const databaseUrl = validate ? `sqlite:${join(tmp, 'registry.db')}` : 'memory:';
  if (validate) await seedSqlite(join(tmp, 'registry.db'), 1000);
  const spec = validate ? validateSpec(1000) : { path };
  for (const kind of kinds) servers[kind] = await startTarget(kind, { databaseUrl, cwd: tmp, logFile: join(tmp, `${kind}.log`) });
  // AB_PIN=1: servers on core 0, this process (the load) on core 1, so neither steals the other's
  // core: a steadier comparison on a 2-core machine (the report itself does not pin).
  if (process.env.AB_PIN) {
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)]);
    for (const kind of kinds) execFileSync('taskset', ['-p', '-c', '0', String(servers[kind].pid)]);
  }
  const rps = Object.fromEntries(kinds.map((k) => [k, []]));
  const p99 = Object.fromEntries(kinds.map((k) => [k, []]));
  const cpu = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
      await run('warm', servers[kind].url, spec, settings, { seconds: 1 });
      const before = cpuSeconds(servers[kind].pid);
      const m = await run(kind, servers[kind].url, spec, settings, { seconds });
      cpu[kind].push(((cpuSeconds(servers[kind].pid) - before) / m.total) * 1e6);
      rps[kind].push(m.rps);
      p99[kind].push(m.p99);
    }
  }
  for (const kind of kinds) {
    console.log(
      `${kind.padEnd(8)} ${Math.round(median(rps[kind]))} req/s  p99 ${median(p99[kind])} ms  ${median(cpu[kind]).toFixed(1)} µs CPU/request  [${rps[kind].map(Math.round).join(', ')}]`,
    );
  }
  for (const other of ['express', 'baseline']) {
    if (!rps[other] || !rps.service) continue;
    console.log(
      `service/${other} = ${(median(rps.service) / median(rps[other])).toFixed(2)} by req/s, ${(median(cpu[other]) / median(cpu.service)).toFixed(2)} by CPU per request`,
    );
  }
} finally {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
}
