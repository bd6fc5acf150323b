import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** Response headers as name and value, in the order they are set. */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/**
 * The headers a header-only middleware such as helmet sets, read once by running it against a
 * recorder. helmet's API settings are the same on every response, so there is no reason to walk
 * its chain of a middleware per header on every request. Throws when the middleware does anything
 * but set and remove headers and call next, so a helmet that began to vary per request would fail
 * at start-up rather than be frozen.
 */
export function headersSetBy(middleware: RequestHandler): HeaderList {
  const headers = new Map<string, readonly [string, string]>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name.toLowerCase(), [name, String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  let passed = false;
  void middleware({ headers: {} } as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error !== undefined) throw error instanceof Error ? error : new Error('a header-only middleware failed', { cause: error });
    passed = true;
  });
  if (!passed) throw new Error('a header-only middleware must call next synchronously');
  return [...headers.values()];
}

/** Sets a fixed list of headers on every response, in one step. */
export function fixedHeaders(headers: HeaderList): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * Security headers for the JSON API: the set OWASP's REST Security Cheat Sheet recommends, with a
 * CSP that allows nothing (a JSON response is never a document to render). helmet's other
 * defaults (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection) only concern HTML documents; on every API
 * response they were six more headers to build and send. The /docs page gets the full set.
 */
export const API_SECURITY_HEADERS = headersSetBy(
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    xFrameOptions: { action: 'deny' },
  }),
);

/**
 * helmet's full document defaults, for the Swagger UI page, less `upgrade-insecure-requests`: on a
 * plain-HTTP deployment reached by name or LAN address (offline installs) the browser would fetch
 * the page's own scripts over HTTPS from a port that speaks HTTP, and the page would stay blank.
 */
export const documentSecurityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
