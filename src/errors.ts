/**
 * Every error of the library and the service, in one module (as jose keeps its errors). Library
 * errors carry a stable `code` a caller can branch on; {@link AppError} is what an HTTP client
 * sees, with a code from the {@link PROBLEMS} catalogue, and the error handler turns it into RFC
 * 9457 problem details. Argument errors become problems in one place ({@link invalidArguments}).
 */

// ---- Library errors -----------------------------------------------------------------------------

/** A bad argument of the wrong kind (not a string, not a number…). */
export class ArgumentTypeError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_TYPE';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'TypeError';
  }
}

/** A bad argument of the right kind whose value is not allowed (too long, out of range, unknown role…). */
export class ArgumentRangeError extends RangeError {
  readonly code = 'ERR_OUT_OF_RANGE';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'RangeError';
  }
}

export type ArgumentError = ArgumentTypeError | ArgumentRangeError;

export function isArgumentError(error: unknown): error is ArgumentError {
  return error instanceof ArgumentTypeError || error instanceof ArgumentRangeError;
}

/** A token that must not be accepted; `message` says why without echoing the token. */
export class InvalidTokenError extends Error {
  readonly code = 'ERR_INVALID_TOKEN';
  constructor(
    message: string,
    /** `expired`: the signature is good but `exp` has passed; `invalid`: anything else. */
    readonly reason: 'expired' | 'invalid' = 'invalid',
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** Why a caller's credentials were refused (a 401), or could not be checked at all (a 503). */
export type CallerAuthErrorCode = 'ERR_CALLER_INVALID' | 'ERR_KEYS_UNAVAILABLE';

/** A refused or uncheckable caller; `message` is safe to show the client (it never echoes the token). */
export class CallerAuthError extends Error {
  constructor(
    readonly code: CallerAuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CallerAuthError';
  }
}

/** A configuration that cannot start the service; `problems` names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'ERR_INVALID_CONFIG';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Bad command-line usage: the CLI reports it on stderr with exit code 2. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

// ---- HTTP problems ------------------------------------------------------------------------------

/** One entry of `errors[]` in a problem body: which field was wrong and why. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** The catalogue of problem types: a stable code, its HTTP status and a short title. */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'Invalid request' },
  'malformed-json': { status: 400, title: 'Malformed JSON body' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  revoked: { status: 403, title: 'Revoked' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'provider-not-configured': { status: 503, title: 'Provider not configured' },
  'no-provider-configured': { status: 503, title: 'No token provider configured' },
  'store-unavailable': { status: 503, title: 'Store unavailable' },
  'identity-provider-unavailable': { status: 503, title: 'Identity provider unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** Prefix of every problem `type` URI; the code follows it. */
export const PROBLEM_TYPE_PREFIX = 'urn:rtc-token-server:problem:';

/** The JSON body of every error response (RFC 9457); a few problems add extension members. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** An error a client is meant to see. `headers` are added to the response (e.g. `Allow`). */
export class AppError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors: readonly FieldProblem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** RFC 9457 extension members added to the body (never `type`, `title`, `status` or `detail`). */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: readonly FieldProblem[]; headers?: Record<string, string>; extensions?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  /** The problem+json body for this error. */
  toProblem(): ProblemBody {
    const body: ProblemBody = {
      ...this.extensions,
      type: PROBLEM_TYPE_PREFIX + this.code,
      title: PROBLEMS[this.code].title,
      status: this.status,
      detail: this.message,
    };
    if (this.errors && this.errors.length > 0) body.errors = [...this.errors];
    return body;
  }
}

/** A 400 naming every bad field; `detail` joins their messages. */
export function invalidRequest(errors: readonly FieldProblem[]): AppError {
  return new AppError('invalid-request', errors.map((e) => e.message).join('; '), { errors });
}

/** The one conversion of argument errors (the schemas', the builders') into the 400 a client sees. */
export function invalidArguments(errors: readonly ArgumentError[]): AppError {
  return invalidRequest(errors.map((error) => ({ field: error.argument, message: error.message })));
}

/** The realm of every `WWW-Authenticate` challenge the service sends. */
const REALM = 'realm="rtc-token-server"';

/**
 * The challenge of a 401 (RFC 6750, and `ApiKey` for X-API-Key callers). `invalidToken` marks a
 * token that was presented and refused, as opposed to none presented.
 */
export function challenge(scheme: 'Bearer' | 'ApiKey', invalidToken = false): string {
  return `${scheme} ${REALM}${invalidToken ? ', error="invalid_token"' : ''}`;
}

/** A 401 with its challenge. */
export function unauthorized(detail: string, scheme: 'Bearer' | 'ApiKey', invalidToken = false): AppError {
  return new AppError('unauthorized', detail, { headers: { 'WWW-Authenticate': challenge(scheme, invalidToken) } });
}

/** The 503 answered by a provider whose credentials are not set. */
export function providerNotConfigured(provider: string): AppError {
  return new AppError('provider-not-configured', `provider not configured: ${provider}`);
}
