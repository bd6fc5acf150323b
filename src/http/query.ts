/**
 * Reads validated, typed arguments from a query string or a JSON body using the token modules'
 * schemas, collecting every bad field into one 400. Handlers never touch `req.query` or
 * `req.body` themselves.
 */
import { isArgumentError, requiredMessage, type Schema, type Values } from '../tokens/args.js';
import { AppError, invalidRequest, type FieldProblem } from '../errors.js';

type Reader = (name: string, raw: unknown, errors: FieldProblem[]) => unknown;

function read<S extends Schema>(schema: S, source: Record<string, unknown>, convert: Reader): Values<S> {
  const errors: FieldProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema)) {
    const field = schema[name]!;
    const raw = Object.hasOwn(source, name) ? source[name] : undefined;
    // An empty optional value means "not given", as in an HTML form.
    if (raw === undefined || raw === '' || raw === null) {
      if (field.required) errors.push({ field: name, message: requiredMessage(name) });
      else out[name] = field.fallback;
      continue;
    }
    out[name] = convert(name, raw, errors);
  }
  if (errors.length > 0) throw invalidRequest(errors);
  return out as Values<S>;
}

function attempt(name: string, errors: FieldProblem[], fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    errors.push({ field: name, message: error.message });
    return undefined;
  }
}

/** Parses query-string text with each field's `parse`. A parameter given twice is refused. */
export function parseQuery<S extends Schema>(schema: S, query: unknown): Values<S> {
  return read(schema, (query ?? {}) as Record<string, unknown>, (name, raw, errors) => {
    if (typeof raw !== 'string') {
      errors.push({ field: name, message: `${name} must be given once` });
      return undefined;
    }
    return attempt(name, errors, () => schema[name]!.rule.parse(raw, name));
  });
}

/** Checks a parsed JSON body with each field's `check`. An absent body counts as `{}`. */
export function parseBody<S extends Schema>(schema: S, body: unknown): Values<S> {
  if (body === undefined) body = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid-request', 'the request body must be a JSON object', {
      errors: [{ field: 'body', message: 'the request body must be a JSON object' }],
    });
  }
  return read(schema, body as Record<string, unknown>, (name, raw, errors) =>
    attempt(name, errors, () => schema[name]!.rule.check(raw, name)),
  );
}
