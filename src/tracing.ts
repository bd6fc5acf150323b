/**
 * OpenTelemetry traces over OTLP/HTTP, with the official SDK packages. Loaded only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (worker.ts imports this module then, and only then), so a
 * deployment without it loads no SDK and pays nothing.
 *
 * - One server span per request, named by method and route template (`POST /validate-meeting/:meetingId`),
 *   with the status code; 5xx mark it as an error. An incoming W3C `traceparent` is continued.
 * - One child span per store call (`store.find`, `store.insert`, …).
 * - The resource's `service.name` is OTEL_SERVICE_NAME (default rtc-token-server); spans leave in
 *   batches (the SDK's OTEL_BSP_* variables tune them) and are flushed at shutdown.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger.js';
import type { MeetingStore } from './meetings/store.js';
import { routeTemplate } from './metrics.js';

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  /** OTEL_SERVICE_NAME. */
  readonly serviceName: string;
}

export interface Tracing {
  /** First in the middleware chain: the request's server span. */
  readonly middleware: RequestHandler;
  /** The store with a child span around each call. */
  wrapStore(store: MeetingStore): MeetingStore;
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

const DB_SYSTEM: Record<MeetingStore['kind'], string> = { sqlite: 'sqlite', postgres: 'postgresql', memory: 'memory' };

export function startTracing(settings: TracingSettings, logger: Logger): Tracing {
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // The global provider, AsyncLocalStorage context (so a store call finds its request's span
  // across awaits) and the W3C trace-context propagator.
  provider.register();
  const tracer = trace.getTracer('rtc-token-server');
  logger.info({ endpoint: settings.endpoint, serviceName: settings.serviceName }, 'sending traces over OTLP/HTTP');

  function ended(this: Response): void {
    const span = this.locals.span as Span | undefined;
    if (span === undefined) return;
    const req: Request = this.req;
    const route = routeTemplate(req, this);
    span.updateName(`${req.method} ${route}`);
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, this.statusCode);
    if (this.statusCode >= 500) {
      const error = this.locals.error;
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
    }
    span.end();
  }

  const middleware: RequestHandler = (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path } },
      parent,
    );
    res.locals.span = span;
    res.once('close', ended);
    context.with(trace.setSpan(parent, span), next);
  };

  function wrapStore(store: MeetingStore): MeetingStore {
    const traced =
      <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        tracer.startActiveSpan(`store.${name}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': DB_SYSTEM[store.kind] } }, async (span) => {
          try {
            return await call(...args);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          } finally {
            span.end();
          }
        });
    return {
      kind: store.kind,
      insert: traced('insert', store.insert.bind(store)),
      find: traced('find', store.find.bind(store)),
      addRule: traced('addRule', store.addRule.bind(store)),
      deleteRule: traced('deleteRule', store.deleteRule.bind(store)),
      rules: traced('rules', store.rules.bind(store)),
      watchRules: store.watchRules.bind(store),
      purgeExpired: traced('purgeExpired', store.purgeExpired.bind(store)),
      ping: traced('ping', store.ping.bind(store)),
      close: store.close.bind(store),
    };
  }

  return {
    middleware,
    wrapStore,
    shutdown: () => provider.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'sending the last spans failed')),
  };
}
