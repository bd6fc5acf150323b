/**
 * OpenTelemetry over OTLP/HTTP, end to end: the real server process sends its spans to a local
 * OTLP/HTTP receiver (JSON, as the official exporter sends it). One server span per request named
 * by its route template, with its status; child spans for store calls; an incoming W3C traceparent
 * continued; OTEL_SERVICE_NAME honoured. Without OTEL_EXPORTER_OTLP_ENDPOINT, no SDK module loads.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { CREDENTIALS } from '../fixtures.js';
import { killAll, REPO_ROOT, startServer } from './server-process.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}
interface Received {
  serviceName: string;
  span: OtlpSpan;
}

const received: Received[] = [];
let receiver: Server;
let endpoint = '';
const dir = mkdtempSync(join(tmpdir(), 'rts-tracing-'));

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const payload = JSON.parse(body) as {
          resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of payload.resourceSpans) {
          const serviceName = String(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
          for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ serviceName, span });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterEach(killAll);
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : (value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)));
};
const spansNamed = (name: string) => received.filter((r) => r.span.name === name);

/** What `find` answers once it answers something (vi.waitFor polls it every 50 ms). */
const eventually = <T>(find: () => T | undefined, timeout = 10_000): Promise<T> =>
  vi.waitFor(
    () => {
      const found = find();
      if (found === undefined) throw new Error(`not received yet; spans: ${received.map((r) => r.span.name).join(', ')}`);
      return found;
    },
    { timeout, interval: 50 },
  );

describe('OpenTelemetry (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('when set, then each request is a server span named by its route template with its status, store calls are child spans, and an incoming traceparent is continued', async () => {
    const server = await startServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: 'tokens-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      DATABASE_URL: `sqlite:${join(dir, 'm.db')}`,
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    expect(
      (await fetch(`${server.url}/conference-token?userId=alice&roomId=r&role=publisher`, { headers: { traceparent: `00-${traceId}-${parentId}-01` } })).status,
    ).toBe(200);
    const crawler = buildVideoSdkToken({ roles: ['crawler'] }, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }).token;
    const created = (await (await fetch(`${server.url}/create-meeting`, { method: 'POST', headers: { Authorization: crawler } })).json()) as {
      meetingId: string;
    };
    expect((await fetch(`${server.url}/validate-meeting/${created.meetingId}`, { method: 'POST', headers: { Authorization: crawler } })).status).toBe(200);
    expect((await fetch(`${server.url}/access_token`)).status).toBe(400);

    const token = await eventually(() => spansNamed('GET /conference-token')[0]);
    expect(token.serviceName).toBe('tokens-under-test');
    expect(token.span).toMatchObject({ traceId, parentSpanId: parentId, kind: 2 });
    expect(attribute(token.span, 'http.response.status_code')).toBe(200);
    expect(attribute(token.span, 'http.route')).toBe('/conference-token');

    const validate = await eventually(() => spansNamed('POST /validate-meeting/:meetingId')[0]);
    expect(validate.span.traceId).not.toBe(traceId);
    expect(validate.span.parentSpanId ?? '').toBe('');
    const find = await eventually(() => received.find((r) => r.span.name === 'store.find' && r.span.traceId === validate.span.traceId));
    expect(find.span).toMatchObject({ parentSpanId: validate.span.spanId, kind: 3 });
    expect(attribute(find.span, 'db.system.name')).toBe('sqlite');
    const create = await eventually(() => spansNamed('POST /create-meeting')[0]);
    await eventually(() => received.find((r) => r.span.name === 'store.insert' && r.span.parentSpanId === create.span.spanId));
    const bad = await eventually(() => spansNamed('GET /access_token')[0]);
    expect(attribute(bad.span, 'http.response.status_code')).toBe(400);
    expect(await server.stop()).toBe(0);
  });

  it('when unset, then no OpenTelemetry module is loaded; when set, then it is', async () => {
    const loaded = async (env: Record<string, string>) => {
      const file = join(dir, `imports-${Object.keys(env).length}.txt`);
      writeFileSync(file, '');
      const server = await startServer({ RECORD_IMPORTS_FILE: file, ...env }, ['--import', join(REPO_ROOT, 'test/support/record-imports.mjs')]);
      await fetch(`${server.url}/healthz`);
      await server.stop();
      return readFileSync(file, 'utf8').split('\n');
    };
    const without = await loaded({});
    expect(without.some((url) => url.includes('/dist/server.js'))).toBe(true);
    expect(without.filter((url) => url.includes('@opentelemetry'))).toEqual([]);
    const withTracing = await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    expect(withTracing.some((url) => url.includes('@opentelemetry/sdk-trace-node'))).toBe(true);
  });
});
