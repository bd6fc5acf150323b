/**
 * The service describes itself: `GET /openapi.yaml` serves the openapi.yaml shipped with the
 * package, and `GET /docs` renders it with Swagger UI. Every asset of the page comes from the
 * swagger-ui-dist package on disk, none from a CDN, so the page works offline and under helmet's
 * `script-src 'self'`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { type RequestHandler } from 'express';
import { onlyMethods } from '../middleware/methods.js';
import { allowCaching } from '../middleware/nocache.js';
import { documentSecurityHeaders } from '../middleware/security-headers.js';
import type { RouteModule } from './deps.js';

/** openapi.yaml at the package root: three levels up from src/http/routes and dist/http/routes alike. */
export const SPEC_FILE = new URL('../../../openapi.yaml', import.meta.url);

/** The media type `GET /openapi.yaml` answers with (RFC 9512). */
export const YAML_MEDIA_TYPE = 'application/yaml';

// Resolved through package.json because swagger-ui-dist's main module loads the 1.7 MB bundle.
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// The spec and the page change only with a deploy: a short shared cache is safe.
const CACHE = 'public, max-age=300';

// Served as a file, not inline, so `script-src 'self'` allows it. URLs are relative to /docs, so
// the page also works behind a reverse proxy that mounts the service under a path prefix.
// validatorUrl null: Swagger UI would otherwise send the spec's URL to validator.swagger.io.
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>rtc-token-server API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

/** The files under /docs/: the ones the page loads, and nothing else from swagger-ui-dist. */
function assets(): RequestHandler {
  const files = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' });
  const fromPackage = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js', '/favicon-32x32.png', '/favicon-16x16.png']);
  const wrongMethod = onlyMethods('GET', 'HEAD');
  return (req, res, next) => {
    const isInit = req.path === '/init.js';
    if (!isInit && !fromPackage.has(req.path)) return next();
    res.locals.metricsRoute = '/docs/:asset';
    if (req.method !== 'GET' && req.method !== 'HEAD') return wrongMethod(req, res, next);
    if (!isInit) {
      // serve-static sets its own Cache-Control (max-age 1 h); only the preamble's no-cache must go.
      allowCaching(res, 'public, max-age=3600');
      files(req, res, next);
      return;
    }
    allowCaching(res, CACHE);
    res.type('text/javascript').send(INIT_SCRIPT);
  };
}

/**
 * `GET /openapi.yaml` and `GET /docs` (plus the page's assets under `/docs/`). The spec is read
 * once, here, so a missing file stops the start rather than failing requests later.
 */
export const docsRoutes: RouteModule = (router) => {
  const spec = readFileSync(SPEC_FILE, 'utf8');
  router
    .route('/openapi.yaml')
    .get((_req, res) => {
      allowCaching(res, CACHE);
      res.type(YAML_MEDIA_TYPE).send(spec);
    })
    .all(onlyMethods('GET', 'HEAD'));
  router
    .route('/docs')
    .get(documentSecurityHeaders, (req, res) => {
      // `/docs/` would resolve the page's relative URLs one level too deep.
      if (req.path.endsWith('/')) return res.redirect(301, '../docs');
      allowCaching(res, CACHE);
      res.type('html').send(PAGE);
    })
    .all(onlyMethods('GET', 'HEAD'));
  router.use('/docs', assets());
};
