/**
 * GET /openapi.yaml and GET /docs: the spec as shipped, and a Swagger UI page whose every asset is
 * served by the app itself (users run it offline; helmet allows only same-origin scripts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { parse } from 'yaml';
import { testApp } from '../fixtures.js';

const SPEC_TEXT = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
const app = testApp();

/** Every `src` and `href` attribute value in an HTML page. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((match) => match[1]!);
}

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | undefined): Map<string, string> {
  const entries = (header ?? '').split(';').map((part) => part.trim().split(/\s+/));
  return new Map(entries.filter(([name]) => name).map(([name, ...values]) => [name!, values.join(' ')]));
}

describe('GET /openapi.yaml', () => {
  it.each(['/openapi.yaml', '/docs'])('when %s answers, then its media type and Cache-Control are the documented ones', async (path) => {
    const spec = parse(SPEC_TEXT);
    const documented = spec.paths[path].get.responses['200'];
    const res = await request(app).get(path).expect(200);
    expect(Object.keys(documented.content)).toEqual([res.headers['content-type']!.split(';')[0]]);
    const cacheControl = documented.headers['Cache-Control'].$ref.split('/').pop();
    expect(res.headers['cache-control']).toBe(spec.components.headers[cacheControl].schema.const);
  });

  it('when it is fetched, then it is the repository openapi.yaml, as YAML that parses', async () => {
    const res = await request(app).get('/openapi.yaml').responseType('blob').expect(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const text = (res.body as Buffer).toString('utf8');
    expect(text).toBe(SPEC_TEXT);
    const spec = parse(text);
    expect(spec).toEqual(parse(SPEC_TEXT));
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/openapi.yaml', '/docs']));
  });

  it('when HEAD is sent, then the headers come without a body', async () => {
    const res = await request(app).head('/openapi.yaml').expect(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(SPEC_TEXT)));
    expect(res.text ?? '').toBe('');
  });

  it.each(['/openapi.yaml', '/docs'])('when %s gets POST, then it is a 405 naming GET and HEAD', async (path) => {
    const res = await request(app).post(path).expect(405);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(res.body.detail).toBe('POST is not allowed here; use GET or HEAD');
  });

  it.each(['/openapi.yaml', '/docs'])('when %s gets a plain OPTIONS (not a CORS preflight), then it is a 204 with Allow', async (path) => {
    // With CORS_ORIGINS `*` (the default) the CORS middleware answers every OPTIONS itself.
    const res = await request(testApp({ CORS_ORIGINS: 'https://app.example' }))
      .options(path)
      .expect(204);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});

describe('GET /docs', () => {
  it('when it is fetched, then it is an HTML page that loads only same-origin assets', async () => {
    const res = await request(app).get('/docs').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<div id="swagger-ui"></div>');
    const refs = references(res.text);
    expect(refs).toEqual(expect.arrayContaining(['docs/swagger-ui-bundle.js', 'docs/swagger-ui.css', 'docs/init.js']));
    for (const ref of refs) {
      expect(ref, `${ref} names no scheme or host`).not.toMatch(/^([a-z][a-z0-9+.-]*:|\/\/)/i);
      expect(new URL(ref, 'http://127.0.0.1:8080/docs').origin).toBe('http://127.0.0.1:8080');
    }
  });

  it('when the page is fetched, then every asset it references is served by the app', async () => {
    const page = await request(app).get('/docs');
    const types: Record<string, RegExp> = { js: /^(text|application)\/javascript/, css: /^text\/css/, png: /^image\/png$/ };
    for (const ref of references(page.text)) {
      const path = new URL(ref, 'http://127.0.0.1/docs').pathname;
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toMatch(types[path.split('.').pop()!]!);
    }
  });

  it('when the Swagger UI bundle is fetched, then it is the bundle, cacheable for an hour', async () => {
    const res = await request(app).get('/docs/swagger-ui-bundle.js').expect(200);
    expect(res.text).toContain('SwaggerUIBundle');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('when the init script is fetched, then it points Swagger UI at openapi.yaml and at no validator', async () => {
    const res = await request(app).get('/docs/init.js').expect(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.text).toContain("url: 'openapi.yaml'");
    expect(res.text).toContain('validatorUrl: null');
  });

  it('when the page is served, then its CSP allows only same-origin scripts and does not upgrade to HTTPS', async () => {
    const page = directives((await request(app).get('/docs')).headers['content-security-policy']);
    expect(page.get('script-src')).toBe("'self'");
    expect(page.get('script-src-attr')).toBe("'none'");
    expect(page.get('default-src')).toBe("'self'");
    expect(page.has('upgrade-insecure-requests')).toBe(false);
    // The page gets helmet's document headers; everything else the API set, whose CSP allows nothing.
    expect((await request(app).get('/docs')).headers['cross-origin-opener-policy']).toBe('same-origin');
    const other = directives((await request(app).get('/openapi.yaml')).headers['content-security-policy']);
    expect(other.get('default-src')).toBe("'none'");
  });

  it('when /docs/ is requested, then it redirects to /docs so relative asset URLs resolve', async () => {
    const res = await request(app).get('/docs/').expect(301);
    expect(new URL(res.headers.location!, 'http://127.0.0.1/docs/').pathname).toBe('/docs');
  });

  it.each(['/docs/index.html', '/docs/swagger-initializer.js', '/docs/package.json', '/docs/swagger-ui-bundle.js.map'])(
    'when %s (a swagger-ui-dist file the page does not use) is requested, then it is a 404',
    async (path) => {
      const res = await request(app).get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );

  it('when an asset gets POST, then it is a 405', async () => {
    const res = await request(app).post('/docs/swagger-ui-bundle.js').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('when a client goes over the rate limit, then the docs are refused too', async () => {
    const limited = testApp({ RATE_LIMIT_PER_MINUTE: '1' });
    await request(limited).get('/docs').expect(200);
    const res = await request(limited).get('/docs/swagger-ui-bundle.js').expect(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});
