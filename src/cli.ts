#!/usr/bin/env node
/**
 * The `rtc-token-server` command.
 *
 *   rtc-token-server [serve]                       the HTTP server, exactly as `node dist/server.js`
 *   rtc-token-server mint <kind> [--json] [--dev] [--<name> <value> ...]
 *   rtc-token-server inspect [--json] <token>      the token doctor, as POST /inspect (no revocation rules)
 *
 * `mint` reads the same configuration as the server and parses its flags with the same schema and
 * parseQuery as the matching route, so a flag is refused exactly when the query parameter would be,
 * in the same words. Exit codes: 0 token printed, 1 configuration or provider problem, 2 bad usage
 * (a mint with generated development credentials and no --dev included); `inspect` exits 0 when the
 * token is valid, 1 when not.
 */
import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import { loadConfig } from './config/index.js';
import { AppError, ConfigError, isArgumentError, UsageError } from './errors.js';
import { parseQuery } from './http/query.js';
import { defaultText, type Schema } from './tokens/args.js';
import { createTokenService, type Issuer, type IssuerName, type TokenService } from './tokens/service.js';
import { describeInspection, inspectToken } from './tokens/inspect.js';

// Each kind names its issuer and the route whose query parameters its flags are. hms-management and
// agora-chat-app are POSTs behind ADMIN_API_KEY over HTTP; whoever runs the CLI already holds the
// provider's secret.
const KINDS = {
  conference: { issuer: 'conference', route: 'GET /conference-token' },
  chat: { issuer: 'chat', route: 'GET /chat-token' },
  agora: { issuer: 'agoraRtc', route: 'GET /access_token' },
  'agora-rtm': { issuer: 'agoraRtm', route: 'GET /rtm_token' },
  rte: { issuer: 'agoraRte', route: 'GET /rte_token' },
  'agora-chat': { issuer: 'agoraChat', route: 'GET /agora/chat-token' },
  'agora-chat-app': { issuer: 'agoraChatApp', route: 'POST /agora/chat-app-token' },
  videosdk: { issuer: 'videosdk', route: 'GET /get-token' },
  'hms-app': { issuer: 'hmsApp', route: 'GET /hms/app-token' },
  'hms-management': { issuer: 'hmsManagement', route: 'POST /hms/management-token' },
} as const satisfies Record<string, { issuer: IssuerName; route: string }>;

const PROGRAM = 'rtc-token-server';

const argv = process.argv.slice(2);
const command = argv[0] ?? 'serve';

if (command === 'serve' && argv.length <= 1) {
  // server.ts does everything at import time (.env, config, listen, signals): importing it is the
  // one way to be sure `serve` never drifts from `node dist/server.js`.
  await import('./server.js');
} else {
  process.exitCode = run(command, argv.slice(1));
}

function run(command: string, args: string[]): number {
  dotenv.config({ quiet: true });
  let tokens: TokenService;
  let devCredentials: boolean;
  try {
    const config = loadConfig(process.env, { serving: false });
    tokens = createTokenService(config);
    devCredentials = config.devCredentials;
    for (const warning of config.warnings) process.stderr.write(`${PROGRAM}: warning: ${warning}\n`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message}\n`);
    return 1;
  }
  // Help is printed from the configured schemas, so its defaults are this deployment's.
  if (['help', '--help', '-h'].includes(command) || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(tokens));
    return 0;
  }
  try {
    if (command === 'serve') throw new UsageError('serve takes no arguments');
    if (command === 'inspect') return inspect(args, tokens);
    if (command !== 'mint') throw new UsageError(`unknown command "${command}"`);
    const kind = args[0] ?? '';
    if (!Object.hasOwn(KINDS, kind)) throw new UsageError(kind === '' ? 'mint needs a kind' : `unknown kind "${kind}"`);
    const issuer: Issuer<Schema> = tokens[KINDS[kind as keyof typeof KINDS].issuer];
    const { query, json, dev } = readFlags(args.slice(1), issuer.schema, kind);
    // A token signed with credentials made up for this run is accepted by nothing: printing one
    // and exiting 0 would let a script carry on as if it had a real token.
    if (devCredentials && !dev) {
      throw new UsageError(
        'no provider credentials are set, so a token would be signed with development credentials generated for this run only, which nothing else accepts; set the credentials, or pass --dev to print one anyway',
      );
    }
    issuer.assertConfigured();
    const issued = issuer.issue(parseQuery(issuer.schema, query));
    if (devCredentials) {
      process.stderr.write(
        `${PROGRAM}: warning: no provider credentials are set, so this token is signed with development credentials generated for this run only; nothing else will accept it\n`,
      );
    }
    const expiresAt = issued.expiresAt.toISOString();
    process.stdout.write(json ? `${JSON.stringify({ token: issued.token, expiresAt })}\n` : `${issued.token}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${PROGRAM}: ${error.message}\n\n${usage(tokens)}`);
      return 2;
    }
    // A builder may refuse a combination the schema let through (read and write both false): the
    // route answers that with a 400 too.
    if (isArgumentError(error)) {
      process.stderr.write(`${PROGRAM}: ${error.message}\n`);
      return 2;
    }
    if (!(error instanceof AppError)) throw error;
    // Bad flags carry the route's 400 detail; anything else (provider not configured) is setup.
    process.stderr.write(`${PROGRAM}: ${error.message}\n`);
    return error.code === 'invalid-request' ? 2 : 1;
  }
}

/** `inspect [--json] <token>` (`-` or no token: read it from stdin): the doctor's answer, for a person or as JSON. */
function inspect(args: string[], tokens: TokenService): number {
  const json = args.includes('--json');
  const rest = args.filter((arg) => arg !== '--json');
  if (rest.length > 1 || rest.some((arg) => arg.startsWith('--'))) throw new UsageError('inspect takes one token (and --json)');
  const token = rest[0] === undefined || rest[0] === '-' ? readFileSync(0, 'utf8') : rest[0];
  if (token.trim() === '') throw new UsageError('inspect needs a token');
  const result = inspectToken(token, tokens.credentials, { now: tokens.clock() });
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : describeInspection(result));
  return result.valid ? 0 : 1;
}

/**
 * `--name value` and `--name=value` become the query object parseQuery reads. A flag given twice
 * becomes an array, which parseQuery refuses just as it refuses `?uid=1&uid=2`. Unknown flags are
 * refused rather than ignored as a URL would: on a command line they are typos.
 */
function readFlags(args: string[], schema: Schema, kind: string): { query: Record<string, string | string[]>; json: boolean; dev: boolean } {
  const query: Record<string, string | string[]> = {};
  let json = false;
  let dev = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json' || arg === '--dev') {
      if (arg === '--json') json = true;
      else dev = true;
      continue;
    }
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}"`);
    const name = match[1]!;
    if (!Object.hasOwn(schema, name)) throw new UsageError(`mint ${kind} has no flag --${name}`);
    let value = match[2];
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    const previous = query[name];
    query[name] = previous === undefined ? value : [previous, value].flat();
  }
  return { query, json, dev };
}

/** The usage text, listing every kind with the flags its schema declares. */
function usage(tokens: TokenService): string {
  const lines = [
    'Usage:',
    `  ${PROGRAM} [serve]                 start the HTTP server (as node dist/server.js)`,
    `  ${PROGRAM} mint <kind> [--json] [--dev] [--<flag> <value> ...]`,
    '      print one token on stdout; --json prints {"token","expiresAt"};',
    '      --dev allows a token signed with generated development credentials (no credentials set)',
    `  ${PROGRAM} inspect [--json] <token|->`,
    '      what the token is, who signed it and why a provider would refuse it; exit 0 valid, 1 not',
    '',
    'Kinds and their flags (the query parameters of the route named; same rules, same messages):',
  ];
  for (const [kind, { issuer, route }] of Object.entries(KINDS)) {
    lines.push(`  ${kind.padEnd(16)}${route}`);
    for (const [name, field] of Object.entries(tokens[issuer].schema as Schema)) {
      const fallback = field.fallback;
      const note = field.required ? 'required' : fallback === undefined ? 'optional' : `default ${defaultText(field)}`;
      lines.push(`    --${name.padEnd(20)}${note}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
