/**
 * What one `npm run bench` measures and how hard: durations, rounds and sizes from the environment
 * (BENCH_*) and the `--quick` flag, the fixed credentials every target shares, and the routes.
 */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

const number = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got "${raw}")`);
  return value;
};

/** The run's settings; `--quick` is a smoke run that exercises every phase in about two minutes. */
export function loadSettings(argv = process.argv.slice(2)) {
  const quick = argv.includes('--quick');
  return Object.freeze({
    quick,
    connections: number('BENCH_CONNECTIONS', 32),
    warmup: number('BENCH_WARMUP', quick ? 0.5 : 2),
    duration: number('BENCH_DURATION', quick ? 1 : 5),
    rounds: Math.max(1, Math.round(number('BENCH_ROUNDS', quick ? 1 : 3))),
    // The registry sizes compared by the validate-meeting scale phase.
    largeMeetings: number('BENCH_MEETINGS', quick ? 50_000 : 1_000_000),
    smallMeetings: 1_000,
    soakRequests: number('BENCH_SOAK_REQUESTS', quick ? 20_000 : 500_000),
    skipSoak: process.env.BENCH_SKIP_SOAK === '1',
    // '' = a log file in the run's temp dir; /dev/null is the other sensible choice.
    logDestination: process.env.BENCH_LOG ?? '',
    postgresUrl: process.env.TEST_DATABASE_URL || undefined,
    // The whole run is killed past this, whatever phase it is in.
    maxMinutes: number('BENCH_MAX_MINUTES', quick ? 10 : 60),
    output: process.env.BENCH_OUTPUT ?? fileURLToPath(new URL('results.md', import.meta.url)),
  });
}

/**
 * Fixed credentials for every provider, the same for the service and the bare servers. They are
 * made up for benchmarking; nothing here is a real account.
 */
export const CREDENTIALS = Object.freeze({
  AGORA_APP_ID: '6a1bc2e0f3d94b5c8a7e9f0d1c2b3a45',
  AGORA_APP_CERTIFICATE: '0f9e8d7c6b5a49382716a5b4c3d2e1f0',
  VIDEOSDK_API_KEY: 'bench-videosdk-key',
  VIDEOSDK_SECRET: 'bench-videosdk-secret-0123456789abcdef',
  HMS_APP_ACCESS_KEY: 'bench-hms-access-key',
  HMS_APP_SECRET: 'bench-hms-secret-0123456789abcdef012345',
  MASTER_KEY: 'bench-master-key',
  MASTER_SECRET: 'bench-master-secret-0123456789abcdef0123456789',
});

/**
 * The JWT/Agora token routes with a query every target accepts. Only string arguments are sent:
 * the bare servers hand the raw query to the builder, whose typed `check` takes strings for these
 * fields but not for numbers or lists (those need the service's query parser).
 */
export const TOKEN_ROUTES = Object.freeze([
  { name: '/conference-token', path: '/conference-token?userId=user-1&roomId=room-1&role=publisher', jwt: true },
  { name: '/get-token', path: '/get-token?roomId=room-1&participantId=user-1', jwt: true },
  { name: '/hms/app-token', path: '/hms/app-token?roomId=room-1&userId=user-1&role=host', jwt: true },
  { name: '/access_token', path: '/access_token?channelName=room-1&uid=12345&role=publisher', jwt: false },
  { name: '/rte_token', path: '/rte_token?channelName=room-1&uid=12345&role=publisher', jwt: false },
  // The community servers' shape: `{ rtcToken }`.
  { name: '/rtc/… (community)', path: '/rtc/room-1/publisher/uid/12345', jwt: false, expect: ['rtcToken'] },
]);

/** The three targets of every comparison, in the order of the table's columns. */
export const TARGETS = Object.freeze([
  { id: 'service', label: '(1) service' },
  { id: 'express', label: '(2) bare Express' },
  { id: 'http', label: '(3) bare node:http' },
]);

/** The targets the issue sets; a miss is reported, never fatal. */
export const THRESHOLDS = Object.freeze({
  jwtVsExpress: 0.75,
  agoraVsExpress: 0.8,
  // /validate-meeting: revocation rules in memory make it one store query, as the bare routes do.
  validateVsExpress: 0.85,
  p99Ms: 25,
  validateLargeVsSmall: 0.7,
  soakRssMb: 150,
  // "No growth after warm-up": allow this much drift for GC timing before calling it growth.
  soakGrowthPct: 10,
});
