/**
 * Reads validated, typed arguments from a query string or a JSON body using the token modules'
 * schemas, collecting every bad field into one 400. Handlers never touch `req.query` or
 * `req.body` themselves.
 */
import { isUtf8 } from 'node:buffer';
import querystring, { type ParsedUrlQuery } from 'node:querystring';
import type { Request } from 'express';
import { requiredMessage, type Schema, type Values } from '../tokens/args.js';
import { ArgumentTypeError, invalidArguments, isArgumentError, type ArgumentError } from '../errors.js';

/**
 * Decodes one query-string key or value as node:querystring does (a stray `%` stays literal), except
 * that percent-encoded bytes which are not UTF-8 (`%E9`, `%ED%A0%80`) are not replaced with U+FFFD:
 * each byte becomes a lone surrogate, so the value is not well-formed text and every argument rule
 * refuses it, naming the argument, instead of minting a token for a value the client never sent.
 */
function decodeComponent(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray '%' or bytes that are not UTF-8: the bytes the escapes spell, the rest as it is.
    const runs = Array.from(text.matchAll(/(?:%[0-9a-fA-F]{2})+|[^%]+|%/g), ([run]) =>
      run.length > 1 && run.startsWith('%') ? Buffer.from(run.replaceAll('%', ''), 'hex') : Buffer.from(run, 'utf8'),
    );
    const bytes = Buffer.concat(runs);
    return isUtf8(bytes) ? bytes.toString('utf8') : Array.from(bytes, (byte) => String.fromCharCode(0xdc00 | byte)).join('');
  }
}

/** Express's "query parser": node:querystring, as Express's default "simple" parser, with {@link decodeComponent}. */
export function parseQueryString(text: string): ParsedUrlQuery {
  return querystring.parse(text, '&', '=', { decodeURIComponent: decodeComponent });
}

/**
 * The request's query read with {@link parseQueryString}, whatever query parser the app that
 * mounts the routes has set (`req.query` follows the host app's setting when the token routes are
 * embedded with createTokenRouter).
 */
export function queryOf(req: Request): ParsedUrlQuery {
  const start = req.url.indexOf('?');
  return start === -1 ? {} : parseQueryString(req.url.slice(start + 1));
}

/**
 * Reads every field of `schema` from `source` with `convert`, collecting every argument error into
 * one 400 (through the one converter, invalidArguments) rather than stopping at the first.
 */
function read<S extends Schema>(schema: S, source: Record<string, unknown>, convert: (name: string, raw: unknown) => unknown): Values<S> {
  const errors: ArgumentError[] = [];
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema)) {
    const field = schema[name]!;
    const raw = Object.hasOwn(source, name) ? source[name] : undefined;
    // An empty optional value means "not given", as in an HTML form.
    if (raw === undefined || raw === '' || raw === null) {
      if (field.required) errors.push(new ArgumentTypeError(name, requiredMessage(name)));
      else out[name] = field.fallback;
      continue;
    }
    try {
      out[name] = convert(name, raw);
    } catch (error) {
      if (!isArgumentError(error)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0) throw invalidArguments(errors);
  return out as Values<S>;
}

/** Parses query-string (or path) text with each field's `parse`. A parameter given twice is refused. */
export function parseQuery<S extends Schema>(schema: S, query: unknown): Values<S> {
  return read(schema, (query ?? {}) as Record<string, unknown>, (name, raw) => {
    if (typeof raw !== 'string') throw new ArgumentTypeError(name, `${name} must be given once`);
    return schema[name]!.rule.parse(raw, name);
  });
}

/** Checks a parsed JSON body with each field's `check`. An absent body counts as `{}`. */
export function parseBody<S extends Schema>(schema: S, body: unknown): Values<S> {
  if (body === undefined) body = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidArguments([new ArgumentTypeError('body', 'the request body must be a JSON object')]);
  }
  return read(schema, body as Record<string, unknown>, (name, raw) => schema[name]!.rule.check(raw, name));
}
