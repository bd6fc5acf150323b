import type { Request, Response } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, DURATION_BUCKETS } from '../../src/metrics.js';

/** The request and response fields the metrics read, for a request a route template matched (or none). */
function finished(method: string, route: string | undefined, status: number): [Request, Response] {
  const req = { method, baseUrl: '', route: route === undefined ? undefined : { path: route } } as unknown as Request;
  const res = { statusCode: status, locals: {} } as unknown as Response;
  return [req, res];
}

/** The block of one metric family (HELP, TYPE and its samples) in a Prometheus text exposition. */
function family(text: string, name: string): string {
  const start = text.indexOf(`# HELP ${name} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n# HELP ', start + 1);
  return text.slice(start, end === -1 ? undefined : end).trim();
}

describe('request and token metrics', () => {
  // Durations on, between and beyond the bucket bounds, over three series.
  const observations: [string, string | undefined, number, number][] = [
    ['GET', '/conference-token', 200, 0.0004],
    ['GET', '/conference-token', 200, 0.0005],
    ['GET', '/conference-token', 200, 0.003],
    ['GET', '/conference-token', 200, 2.5],
    ['GET', '/conference-token', 200, 7],
    ['GET', '/conference-token', 400, 0.012],
    ['POST', '/validate-meeting/:meetingId', 404, 0.0009],
    ['GET', undefined, 404, 0.3],
  ];

  it("when requests finish, then /metrics shows the counts, buckets, sums and totals prom-client's own Counter and Histogram show for them", async () => {
    const metrics = createMetrics();
    const reference = new Registry();
    const labelNames = ['method', 'route', 'status'];
    const counter = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route template and status.',
      labelNames,
      registers: [reference],
    });
    const histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request start to response finish, by route template and status.',
      labelNames,
      buckets: [...DURATION_BUCKETS],
      registers: [reference],
    });
    for (const [method, route, status, seconds] of observations) {
      metrics.observe(...finished(method, route, status), seconds);
      const labels = { method, route: route ?? 'unmatched', status: String(status) };
      counter.inc(labels);
      histogram.observe(labels, seconds);
    }

    const ours = await metrics.render();
    const theirs = await reference.metrics();
    expect(family(ours, 'http_requests_total')).toBe(family(theirs, 'http_requests_total'));
    expect(family(ours, 'http_request_duration_seconds')).toBe(family(theirs, 'http_request_duration_seconds'));
    // Spelled out once, so a change in both at once cannot pass unseen.
    expect(ours).toContain('http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/conference-token",status="200"} 2');
    expect(ours).toContain('http_request_duration_seconds_bucket{le="2.5",method="GET",route="/conference-token",status="200"} 4');
    expect(ours).toContain('http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/conference-token",status="200"} 5');
    expect(ours).toContain('http_request_duration_seconds_count{method="GET",route="/conference-token",status="200"} 5');
    expect(ours).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
  });

  it('when two token services count into one set of metrics, then each provider and kind is one series', async () => {
    const metrics = createMetrics();
    // Equal kinds from two services are different objects.
    const fromOne = { provider: 'native', kind: 'conference' } as const;
    const fromOther = { provider: 'native', kind: 'conference' } as const;
    metrics.tokenIssued(fromOne);
    metrics.tokenIssued(fromOther);
    metrics.tokenIssued(fromOne);
    metrics.tokenIssued({ provider: 'agora', kind: 'rtc' });
    const lines = family(await metrics.render(), 'tokens_issued_total').split('\n');
    expect(lines).toEqual([
      '# HELP tokens_issued_total Tokens issued, by provider and kind.',
      '# TYPE tokens_issued_total counter',
      'tokens_issued_total{provider="native",kind="conference"} 3',
      'tokens_issued_total{provider="agora",kind="rtc"} 1',
    ]);
  });
});
