import helmet from 'helmet';

/**
 * Security headers for the JSON API: the set OWASP's REST Security Cheat Sheet recommends, with a
 * CSP that allows nothing (a JSON response is never a document to render). helmet's other
 * defaults (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection) only concern HTML documents; on every API
 * response they were six more headers to build and send. The /docs page gets the full set.
 */
export const apiSecurityHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xFrameOptions: { action: 'deny' },
});

/**
 * helmet's full document defaults, for the Swagger UI page, less `upgrade-insecure-requests`: on a
 * plain-HTTP deployment reached by name or LAN address (offline installs) the browser would fetch
 * the page's own scripts over HTTPS from a port that speaks HTTP, and the page would stay blank.
 */
export const documentSecurityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
