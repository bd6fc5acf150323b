/**
 * Contract test: openapi.yaml describes exactly the app. The set of routes, each route's
 * parameters (names, required flags, defaults and bounds) and the status, content type, headers
 * and body of real responses must match the spec, so neither can drift without this failing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createTokenService } from '../../src/tokens/service.js';
import { TOKEN_ROUTES } from '../../src/http/routes/tokens.js';
import type { Field, Schema } from '../../src/tokens/args.js';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import type { MeetingStore } from '../../src/meetings/store.js';
import { PRODUCTION_ENV, brokenStore } from '../fixtures.js';

const ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: '0',
  AGORA_APP_ID: '970ca35de60c44645bbae8a215061b33',
  AGORA_APP_CERTIFICATE: '5cfd2fd1755d40ecb72977518be15d3b',
  VIDEOSDK_API_KEY: 'contract-videosdk-key',
  VIDEOSDK_SECRET: 'contract-videosdk-secret',
  HMS_APP_ACCESS_KEY: 'contract-hms-key',
  HMS_APP_SECRET: 'contract-hms-secret',
  MASTER_KEY: 'contract-master-key',
  MASTER_SECRET: 'contract-master-secret-0123456789abcdef',
  ADMIN_API_KEY: 'contract-admin-key-0123456789',
};

// ---- the spec -------------------------------------------------------------------------------

type Json = Record<string, any>;
const SPEC_URL = new URL('../../openapi.yaml', import.meta.url);
const spec: Json = parse(readFileSync(SPEC_URL, 'utf8'));
const pkg: Json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Follows a local `$ref` (`#/components/...`) until it reaches a node that is not one. */
function deref(node: Json): Json {
  let current = node;
  while (typeof current.$ref === 'string') {
    const ref: string = current.$ref;
    expect(ref.startsWith('#/'), `only local refs are used (${ref})`).toBe(true);
    current = ref
      .slice(2)
      .split('/')
      .reduce<Json>((at, key) => at[key.replaceAll('~1', '/').replaceAll('~0', '~')], spec);
    expect(current, `${ref} resolves`).toBeDefined();
  }
  return current;
}

function operation(method: string, path: string): Json {
  const op = spec.paths?.[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} is documented`).toBeDefined();
  return op;
}

function specRoutes(): string[] {
  return Object.entries<Json>(spec.paths).flatMap(([path, item]) => HTTP_METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`));
}

// ---- the app's routes -----------------------------------------------------------------------

/** What Express 5's router (npm `router`) keeps per layer; see node_modules/router/lib. */
interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Express `:param` → OpenAPI `{param}`; any other path syntax would need a human to map it. */
function toOpenApiPath(path: unknown): string {
  if (typeof path !== 'string') throw new Error(`cannot map route path ${String(path)} to OpenAPI`);
  if (/[*?(){}]/.test(path)) throw new Error(`cannot map route path ${path} to OpenAPI`);
  return path.replace(/:(\w+)/g, '{$1}');
}

/** Every `METHOD /path` the app routes, from `app.router.stack` and the routers mounted in it. */
function appRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = prefix + toOpenApiPath(layer.route.path);
        for (const method of Object.keys(layer.route.methods)) {
          // `.all()` handlers (nocache, 405 answers) register as `_all`; HEAD and OPTIONS are implied.
          if (method === '_all' || method === 'head' || method === 'options') continue;
          routes.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = toOpenApiPath(layer.rawPath ?? '/');
        walk(layer.handle.stack, prefix + (mount === '/' ? '' : mount.replace(/\/$/, '')));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

// ---- response checks ------------------------------------------------------------------------

// ajv and ajv-formats are CommonJS; their default export is the module object under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The component schemas, addressable as `urn:rtc-token-server:openapi#/components/schemas/<Name>`.
ajv.addKeyword('components');
ajv.addSchema({ $id: 'urn:rtc-token-server:openapi', components: { schemas: spec.components.schemas } });

function validatorFor(schema: Json) {
  expect(typeof schema.$ref, 'response bodies reference a component schema').toBe('string');
  return ajv.compile({ $ref: `urn:rtc-token-server:openapi${schema.$ref}` });
}

/** Asserts that `res` is a response the spec documents for `method path` with `status`. */
function expectDocumented(res: request.Response, method: string, path: string, status: number): void {
  expect(res.status).toBe(status);
  const documented = operation(method, path).responses?.[String(status)];
  expect(documented, `${method} ${path} documents ${status}`).toBeDefined();
  const response = deref(documented);

  if (response.content === undefined) {
    // A documented answer without a body (204): none may come.
    expect(res.text ?? '').toBe('');
    expect(res.headers['content-type']).toBeUndefined();
  } else {
    const mediaType = String(res.headers['content-type']).split(';')[0]!.trim();
    expect(Object.keys(response.content)).toContain(mediaType);
    const validate = validatorFor(response.content[mediaType].schema);
    expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
  }

  for (const [name, ref] of Object.entries<Json>(response.headers ?? {})) {
    const header = deref(ref);
    const value = res.headers[name.toLowerCase()];
    if (header.required) expect(value, `${name} header`).toBeDefined();
    if (value !== undefined && header.schema?.const !== undefined) expect(value).toBe(String(header.schema.const));
  }
}

/** A query string built from the documented examples of an operation's parameters. */
function exampleQuery(op: Json): Record<string, string> {
  const query: Record<string, string> = {};
  for (const param of (op.parameters ?? []).map(deref)) {
    if (param.example === undefined) continue;
    query[param.name] = Array.isArray(param.example) ? param.example.join(',') : String(param.example);
  }
  return query;
}

// ---- schema ↔ spec --------------------------------------------------------------------------

const tokens = createTokenService(loadConfig(ENV));
/** Every token route with the schema it parses, from the routes' own list. */
const ROUTE_SCHEMAS = TOKEN_ROUTES.map((route) => [route.method, route.path, tokens[route.issuer].schema as Schema] as const);
const GET_ROUTES: readonly (readonly [string, Schema])[] = ROUTE_SCHEMAS.filter(([method]) => method === 'GET').map(([, path, schema]) => [path, schema]);
const POST_ROUTES: readonly (readonly [string, Schema])[] = ROUTE_SCHEMAS.filter(([method]) => method === 'POST').map(([, path, schema]) => [path, schema]);

/** Probes a field's rule at the edges the spec documents, in query text or as typed JSON. */
function expectBoundsAgree(name: string, field: Field<unknown>, schema: Json, as: 'query' | 'json'): void {
  const accepts = (value: unknown) => (as === 'query' ? field.rule.parse(String(value), name) : field.rule.check(value, name));
  const refused = (value: unknown) => expect(() => accepts(value), `${name}=${String(value)} is refused`).toThrow();
  if (schema.type === 'integer') {
    expect(accepts(schema.minimum)).toBe(schema.minimum);
    expect(accepts(schema.maximum)).toBe(schema.maximum);
    refused(schema.minimum - 1);
    refused(schema.maximum + 1);
  } else if (schema.type === 'boolean') {
    for (const text of as === 'query' ? ['true', 'false', '1', '0'] : [true, false]) accepts(text);
    refused('yes');
  } else if (schema.type === 'array') {
    for (const item of schema.items.enum) expect(accepts(as === 'query' ? item : [item])).toEqual([item]);
    refused(as === 'query' ? 'bogus' : ['bogus']);
  } else if (schema.enum) {
    for (const value of schema.enum) expect(accepts(value)).toBe(value);
    refused('bogus');
  } else {
    expect(schema.type).toBe('string');
    expect(accepts('a'.repeat(schema.maxLength))).toBe('a'.repeat(schema.maxLength));
    refused('a'.repeat(schema.maxLength + 1));
  }
}

/** The default as query text, so `uid=0` (a number in code) and `'0'` (text in the spec) agree. */
const asText = (value: unknown) =>
  value === undefined
    ? undefined
    : [value]
        .flat()
        .map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))
        .join(',');

describe('openapi.yaml', () => {
  it('when the app is built, then it serves exactly the documented paths and methods', () => {
    const app = createApp(loadConfig(ENV));
    const served = appRoutes(app).sort();
    expect(served.length).toBeGreaterThan(0);
    expect(new Set(served).size, 'no route is registered twice').toBe(served.length);
    expect(served).toEqual(specRoutes().sort());
  });

  it('when the spec is read, then its version is the package version', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.info.version).toBe(pkg.version);
  });

  it.each(GET_ROUTES)('when %s is documented, then its query parameters are its schema fields', (path, schema) => {
    const params = (operation('GET', path).parameters ?? []).map(deref);
    expect(params.every((p: Json) => p.in === 'query')).toBe(true);
    expect(params.map((p: Json) => p.name).sort()).toEqual(Object.keys(schema).sort());
    for (const param of params) {
      const field = schema[param.name]!;
      const paramSchema = deref(param.schema);
      expect(Boolean(param.required), `${param.name} required`).toBe(field.required);
      expect(asText(paramSchema.default), `${param.name} default`).toBe(asText(field.fallback));
      expectBoundsAgree(param.name, field, paramSchema, 'query');
    }
  });

  it.each(POST_ROUTES)('when %s is documented, then its body properties are its schema fields', (path, schema) => {
    const body = deref(operation('POST', path).requestBody);
    const properties: Json = deref(body.content['application/json'].schema).properties;
    expect(Object.keys(properties).sort()).toEqual(Object.keys(schema).sort());
    for (const [name, ref] of Object.entries<Json>(properties)) {
      const property = deref(ref);
      expect(property.default).toEqual(schema[name]!.fallback);
      expectBoundsAgree(name, schema[name]!, property, 'json');
    }
  });
});

describe('responses match openapi.yaml', () => {
  const app = createApp(loadConfig(ENV));
  const BAD_QUERIES: Record<string, Record<string, string>> = {
    '/access_token': { uid: '42' },
    '/rtm_token': { uid: 'alice', expireTime: '86401' },
    '/rte_token': { channelName: 'lobby', uid: '0' },
    '/agora/chat-token': { userId: 'x'.repeat(65) },
    '/get-token': { permissions: 'allow_join,ask_join' },
    '/hms/app-token': { roomId: 'room1', userId: 'alice', role: 'no spaces' },
    '/conference-token': { userId: 'alice', roomId: 'room1', role: 'owner' },
    '/chat-token': { userId: 'alice', channelId: 'general', read: 'false', write: 'false' },
  };

  it.each(GET_ROUTES.map(([path]) => path))('when %s is called with the documented examples, then the 200 is as documented', async (path) => {
    const res = await request(app)
      .get(path)
      .query(exampleQuery(operation('GET', path)));
    expectDocumented(res, 'GET', path, 200);
  });

  it.each(GET_ROUTES.map(([path]) => path))('when %s is called with a bad query, then the 400 is as documented', async (path) => {
    const res = await request(app).get(path).query(BAD_QUERIES[path]!);
    expectDocumented(res, 'GET', path, 400);
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  it('when /healthz is called, then the 200 is as documented', async () => {
    expectDocumented(await request(app).get('/healthz'), 'GET', '/healthz', 200);
  });

  it('when a token route is called with the wrong method, then the 405 is as documented', async () => {
    const res = await request(app).delete('/access_token');
    expectDocumented(res, 'GET', '/access_token', 405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('when /hms/management-token is called with the admin key and the documented body, then the 200 is as documented', async () => {
    const body = deref(operation('POST', '/hms/management-token').requestBody).content['application/json'].example;
    const res = await request(app).post('/hms/management-token').set('Authorization', `Bearer ${ENV.ADMIN_API_KEY}`).send(body);
    expectDocumented(res, 'POST', '/hms/management-token', 200);
  });

  it('when /hms/management-token is called without the admin key, then the 401 is as documented', async () => {
    const res = await request(app).post('/hms/management-token');
    expectDocumented(res, 'POST', '/hms/management-token', 401);
  });

  it('when /hms/management-token gets a non-JSON body, then the 415 is as documented', async () => {
    const res = await request(app)
      .post('/hms/management-token')
      .set('Authorization', `Bearer ${ENV.ADMIN_API_KEY}`)
      .set('Content-Type', 'text/plain')
      .send('expiresIn=60');
    expectDocumented(res, 'POST', '/hms/management-token', 415);
  });

  it('when ADMIN_API_KEY is unset, then /hms/management-token answers the documented 404', async () => {
    const res = await request(createApp(loadConfig({ ...ENV, ADMIN_API_KEY: undefined }))).post('/hms/management-token');
    expectDocumented(res, 'POST', '/hms/management-token', 404);
  });

  it('when no provider is configured, then a token route answers the documented 503', async () => {
    const bare = createApp(loadConfig({ ...PRODUCTION_ENV, LOG_LEVEL: 'silent' }));
    const res = await request(bare).get('/chat-token').query({ userId: 'alice', channelId: 'general' });
    expectDocumented(res, 'GET', '/chat-token', 503);
  });

  it('when a client goes over the rate limit, then the 429 is as documented', async () => {
    const limited = createApp(loadConfig({ ...ENV, RATE_LIMIT_PER_MINUTE: '1' }));
    const query = exampleQuery(operation('GET', '/rtm_token'));
    expect((await request(limited).get('/rtm_token').query(query)).status).toBe(200);
    expectDocumented(await request(limited).get('/rtm_token').query(query), 'GET', '/rtm_token', 429);
  });

  describe('admin routes', () => {
    const admin = `Bearer ${ENV.ADMIN_API_KEY}`;
    const example = (name: string) => deref(deref(spec.components.requestBodies[name]).content['application/json']);
    const fresh = () => buildVideoSdkToken({}, { apiKey: ENV.VIDEOSDK_API_KEY, secret: secretKey(ENV.VIDEOSDK_SECRET) }).token;

    it('when /introspect is called, then its active and inactive 200s are as documented', async () => {
      const active = await request(app).post('/introspect').set('Authorization', admin).send({ token: fresh() });
      expectDocumented(active, 'POST', '/introspect', 200);
      expect(active.body.active).toBe(true);
      // The documented example token is another deployment's (and long expired): inactive, as documented too.
      const inactive = await request(app).post('/introspect').set('Authorization', admin).send(example('Introspect').example);
      expectDocumented(inactive, 'POST', '/introspect', 200);
      expect(inactive.body).toEqual({ active: false });
    });

    it('when /revoke is called with each documented body, then the 201s are as documented; the rules are listed and lifted as documented', async () => {
      const ids: string[] = [];
      for (const { value } of Object.values(example('Revoke').examples as Record<string, { value: { until?: string } }>)) {
        // The documented ends are fixed instants: a future one instead.
        const body = value.until === undefined ? value : { ...value, until: new Date(Date.now() + 3_600_000).toISOString() };
        const res = await request(app).post('/revoke').set('Authorization', admin).send(body);
        expectDocumented(res, 'POST', '/revoke', 201);
        ids.push((res.body as { id: string }).id);
      }
      // The documented example token is another deployment's: a token of this one instead.
      expectDocumented(await request(app).post('/revoke').set('Authorization', admin).send({ token: fresh() }), 'POST', '/revoke', 201);
      expectDocumented(await request(app).get('/revocations').set('Authorization', admin), 'GET', '/revocations', 200);
      expectDocumented(await request(app).delete(`/revocations/${ids[0]}`).set('Authorization', admin), 'DELETE', '/revocations/{id}', 204);
      expectDocumented(await request(app).delete(`/revocations/${ids[0]}`).set('Authorization', admin), 'DELETE', '/revocations/{id}', 404);
    });

    it('when /inspect is called with the documented body and with garbage, then the 200s are as documented', async () => {
      expectDocumented(await request(app).post('/inspect').set('Authorization', admin).send(example('Introspect').example), 'POST', '/inspect', 200);
      expectDocumented(await request(app).post('/inspect').set('Authorization', admin).send({ token: 'garbage' }), 'POST', '/inspect', 200);
      expectDocumented(await request(app).post('/inspect').set('Authorization', admin).send({ token: fresh() }), 'POST', '/inspect', 200);
    });

    it.each(['/introspect', '/revoke', '/inspect'])(
      'when %s gets a bad body, no admin key, or no ADMIN_API_KEY, then the 400, 401 and 404 are as documented',
      async (path) => {
        expectDocumented(await request(app).post(path).set('Authorization', admin).send({}), 'POST', path, 400);
        expectDocumented(await request(app).post(path).send({}), 'POST', path, 401);
        expectDocumented(
          await request(createApp(loadConfig({ ...ENV, ADMIN_API_KEY: undefined })))
            .post(path)
            .send({}),
          'POST',
          path,
          404,
        );
      },
    );

    it('when the store is down, then the 503s of /revoke and DELETE /revocations/:id are as documented', async () => {
      const broken = createApp(loadConfig(ENV), { store: brokenStore('down') });
      expectDocumented(await request(broken).post('/revoke').set('Authorization', admin).send({ jti: 'some-jti' }), 'POST', '/revoke', 503);
      expectDocumented(await request(broken).delete('/revocations/some-id').set('Authorization', admin), 'DELETE', '/revocations/{id}', 503);
    });
  });

  describe('meeting routes', () => {
    const token = (roles?: ('crawler' | 'rtc')[]) =>
      buildVideoSdkToken(roles ? { roles } : {}, { apiKey: ENV.VIDEOSDK_API_KEY, secret: secretKey(ENV.VIDEOSDK_SECRET) }).token;
    const down: MeetingStore = brokenStore('down');
    const broken = createApp(loadConfig(ENV), { store: down });

    it('when a meeting is created and validated, then the 201, 200 and 404 are as documented', async () => {
      const created = await request(app).post('/create-meeting').set('Authorization', `Bearer ${token()}`);
      expectDocumented(created, 'POST', '/create-meeting', 201);
      const path = '/validate-meeting/{meetingId}';
      expectDocumented(await request(app).post(`/validate-meeting/${created.body.meetingId}`).set('Authorization', token()), 'POST', path, 200);
      expectDocumented(await request(app).post('/validate-meeting/zzzz-zzzz-zzzz').set('Authorization', token()), 'POST', path, 404);
      expectDocumented(await request(app).post('/validate-meeting/NOPE').set('Authorization', token()), 'POST', path, 400);
    });

    it('when the token is missing or rtc-only, then the 401 and 403 are as documented', async () => {
      expectDocumented(await request(app).post('/create-meeting'), 'POST', '/create-meeting', 401);
      expectDocumented(
        await request(app)
          .post('/create-meeting')
          .set('Authorization', token(['rtc'])),
        'POST',
        '/create-meeting',
        403,
      );
    });

    it('when the store is down, then the 503s of the meeting routes and /readyz are as documented', async () => {
      expectDocumented(await request(broken).post('/create-meeting').set('Authorization', token()), 'POST', '/create-meeting', 503);
      expectDocumented(await request(broken).get('/readyz'), 'GET', '/readyz', 503);
    });

    it('when the store answers, then the /readyz 200 is as documented', async () => {
      expectDocumented(await request(app).get('/readyz'), 'GET', '/readyz', 200);
    });

    it('when no provider is configured, then the /readyz 503 is as documented', async () => {
      const bare = createApp(loadConfig({ ...PRODUCTION_ENV, LOG_LEVEL: 'silent' }));
      expectDocumented(await request(bare).get('/readyz'), 'GET', '/readyz', 503);
    });
  });
});
