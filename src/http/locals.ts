/**
 * What the middleware chain keeps per request in `res.locals`, typed once for every module
 * (Express merges this into its `Locals`).
 */
import type { Caller } from '../auth/caller.js';
import type { VideoSdkClaims } from '../tokens/videosdk.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express types res.locals through this global namespace.
  namespace Express {
    interface Locals {
      /** The request id (an incoming X-Request-Id or a UUID), set first by the request log. */
      requestId: string;
      /** performance.now() when the request reached the app. */
      requestStarted: number;
      /** The caller the caller-auth middleware verified (CLIENT_AUTH api-key or jwt). */
      caller?: Caller;
      /** The claims of the VideoSDK token that authorized a meeting route. */
      videosdk?: VideoSdkClaims;
      /** What made a 5xx: an AppError the service chose, or the fault; the request log reports it. */
      error?: unknown;
      /** The metrics label of a route whose template Express does not know (the docs assets). */
      metricsRoute?: string;
      /** The request's trace span, when OTEL_EXPORTER_OTLP_ENDPOINT is set (src/tracing.ts). */
      span?: unknown;
    }
  }
}
