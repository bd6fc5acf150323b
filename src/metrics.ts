/**
 * Prometheus metrics: request counts and latency by route template and status, tokens issued by
 * provider and kind, and the process's own metrics. Labels use the route *template*
 * (`/validate-meeting/:meetingId`), never the raw URL, so label cardinality stays bounded.
 */
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { TokenKind } from './tokens/service.js';

let processRegistry: Registry | undefined;

// Process metrics (CPU, memory, event-loop lag…) are one set per process, however many apps a
// test suite builds: each collector would otherwise start its own event-loop monitor.
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One app's metrics. */
export interface Metrics {
  /** Counts one finished request and its duration (called by the request log, once per request). */
  readonly observe: (req: Request, res: Response, seconds: number) => void;
  /** Counts one issued token. */
  readonly tokenIssued: (kind: TokenKind) => void;
  /** The Prometheus text exposition of this app's and the process's metrics. */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by route template and status.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request start to response finish, by route template and status.',
    labelNames,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const tokens = new Counter({ name: 'tokens_issued_total', help: 'Tokens issued, by provider and kind.', labelNames: ['provider', 'kind'] as const, registers: [registry] });

  // Label children are looked up once per label set, not hashed from an object on every request.
  const seriesByKey = new Map<string, { count: { inc(): void }; time: { observe(value: number): void } }>();

  return {
    observe(req, res, seconds) {
      // Matched routes label by template (a handler outside the router may name one in
      // res.locals.metricsRoute); anything else (404s, probes for random paths) shares one label.
      const route =
        req.route?.path === undefined ? ((res.locals.metricsRoute as string | undefined) ?? 'unmatched') : `${req.baseUrl}${String(req.route.path)}`;
      const key = `${req.method} ${route} ${res.statusCode}`;
      let series = seriesByKey.get(key);
      if (series === undefined) {
        // The label set is bounded (methods × route templates × statuses), so this map is too.
        const labels = { method: req.method, route, status: String(res.statusCode) };
        series = { count: requests.labels(labels), time: duration.labels(labels) };
        seriesByKey.set(key, series);
      }
      series.count.inc();
      series.time.observe(seconds);
    },
    tokenIssued: (kind) => tokens.inc({ provider: kind.provider, kind: kind.kind }),
    async render() {
      return (await registry.metrics()) + (await processMetrics().metrics());
    },
    contentType: registry.contentType,
  };
}
