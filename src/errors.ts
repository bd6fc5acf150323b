/**
 * The one error model of the service. Every failure a client can see is an {@link AppError} with a
 * stable code from {@link PROBLEMS}; the error handler turns it into RFC 9457 problem details.
 */

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

/** The 503 answered by a provider whose credentials are not set. */
export function providerNotConfigured(provider: string): AppError {
  return new AppError('provider-not-configured', `provider not configured: ${provider}`);
}
