/**
 * Prometheus metrics: request counts and latency by route template and status, tokens issued by
 * provider and kind, and the process's own metrics. Labels use the route *template*
 * (`/validate-meeting/:meetingId`), never the raw URL, so label cardinality stays bounded.
 *
 * The per-request metrics are counted here in plain numbers and read by prom-client's registry
 * only when /metrics is scraped, instead of through prom-client's Counter and Histogram, which
 * validate and hash their label object on every increment (docs/performance.md; a test holds the
 * exposition equal to theirs).
 */
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
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

/** Request latency buckets, in seconds. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

type Labels = Readonly<Record<string, string>>;
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/** One request series: its labels, the count, the sum of durations, and a count per bucket (not cumulative; the last is +Inf). */
interface RequestSeries {
  readonly labels: Labels;
  count: number;
  sum: number;
  readonly buckets: Float64Array;
}

/**
 * Registers a metric the registry reads like its own: name, help, type and the samples of `get()`
 * in prom-client's shape (what its Counter and Histogram return), so the exposition is the same.
 */
function registerReadOnly(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]): void {
  const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }) };
  registry.registerMetric(metric as unknown as Metric);
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // The label set is bounded (methods × route templates × statuses), so this map is too.
  const requests = new Map<string, RequestSeries>();
  // One series per provider and kind, whichever token service's TokenKind object names it.
  const issued = new Map<string, { labels: Labels; value: number }>();

  registerReadOnly(registry, 'http_requests_total', 'HTTP requests answered, by route template and status.', 'counter', () =>
    [...requests.values()].map((s) => ({ value: s.count, labels: s.labels })),
  );
  registerReadOnly(registry, 'http_request_duration_seconds', 'Time from request start to response finish, by route template and status.', 'histogram', () =>
    [...requests.values()].flatMap((s) => {
      let cumulative = 0;
      const buckets = Array.from(s.buckets, (n, i): Sample => {
        cumulative += n;
        return { value: cumulative, metricName: 'http_request_duration_seconds_bucket', labels: { le: DURATION_BUCKETS[i] ?? '+Inf', ...s.labels } };
      });
      return [
        ...buckets,
        { value: s.sum, metricName: 'http_request_duration_seconds_sum', labels: s.labels },
        { value: s.count, metricName: 'http_request_duration_seconds_count', labels: s.labels },
      ];
    }),
  );
  registerReadOnly(registry, 'tokens_issued_total', 'Tokens issued, by provider and kind.', 'counter', () =>
    [...issued.values()].map((s) => ({ value: s.value, labels: s.labels })),
  );

  return {
    observe(req, res, seconds) {
      const route = routeTemplate(req, res);
      const key = `${req.method} ${route} ${res.statusCode}`;
      let series = requests.get(key);
      if (series === undefined) {
        series = {
          labels: { method: req.method, route, status: String(res.statusCode) },
          count: 0,
          sum: 0,
          buckets: new Float64Array(DURATION_BUCKETS.length + 1),
        };
        requests.set(key, series);
      }
      series.count++;
      series.sum += seconds;
      let bucket = 0;
      while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
      series.buckets[bucket]!++;
    },
    tokenIssued(kind) {
      const key = `${kind.provider} ${kind.kind}`;
      const series = issued.get(key);
      if (series === undefined) issued.set(key, { labels: { provider: kind.provider, kind: kind.kind }, value: 1 });
      else series.value++;
    },
    async render() {
      return (await registry.metrics()) + (await processMetrics().metrics());
    },
    contentType: registry.contentType,
  };
}

/**
 * The route template a request matched (`/validate-meeting/:meetingId`), the label of its metrics
 * and the name of its trace span. A handler outside the router may name one in
 * res.locals.metricsRoute; anything else (404s, probes for random paths) is `unmatched`, so the
 * set stays bounded. Every route this app declares has a string path.
 */
export function routeTemplate(req: Request, res: Response): string {
  const template = (req.route as { path?: string } | undefined)?.path;
  return template === undefined ? (res.locals.metricsRoute ?? 'unmatched') : `${req.baseUrl}${template}`;
}
