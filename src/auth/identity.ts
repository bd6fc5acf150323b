/**
 * Identity binding: once callers authenticate, a token is minted only for the caller, and only
 * with the roles the caller holds. Each token route names the argument that says who the token is
 * for (its identity) and the role a privileged request needs; a {@link Guard} built from that
 * description checks the parsed arguments against the verified caller, after the 400 checks and
 * before the token is issued.
 */
import { AppError, isArgumentError } from '../errors.js';
import { optional, type Rule, type Schema, type Values } from '../tokens/args.js';
import type { Issuer, TokenService } from '../tokens/service.js';
import type { Caller } from './caller.js';

/** How the token routes treat callers: CLIENT_AUTH (when not none) and, for jwt, ROLE_POLICY. */
export type CallerPolicy =
  | { readonly mode: 'api-key' }
  | {
      readonly mode: 'jwt';
      /** `claims`: a privileged request needs its role in the caller's roles claim. */
      readonly roles: 'open' | 'claims';
      /** The name of that claim (CLIENT_ROLES_CLAIM), quoted in refusals. */
      readonly rolesClaim: string;
    };

/** A request that needs a role: which argument asks for it, with what value, and the role. */
export interface Privilege {
  readonly field: string;
  readonly value: string;
  readonly role: string;
}

/** Which argument of a route names the token's holder, and what its privileged requests need. */
export interface IdentityRule<S extends Schema> {
  readonly identity: keyof S & string;
  /** A value the identity may never take once callers authenticate (Agora's wildcard uid 0). */
  readonly wildcard?: unknown;
  /** The roles this request needs under ROLE_POLICY=claims; none when it is unprivileged. */
  readonly privileges?: (args: Values<S>) => readonly Privilege[];
  /**
   * Under ROLE_POLICY=claims, what an omitted argument means for a caller without a role: the
   * unprivileged value, where the provider's own default would be a privilege (a VideoSDK token
   * without roles may call VideoSDK's server APIs; for such a caller it becomes `roles=rtc`).
   */
  readonly unprivileged?: (args: Values<S>, holds: (role: string) => boolean) => Values<S>;
}

type SchemaOf<K extends keyof TokenService> = TokenService[K] extends Issuer<infer S> ? S : never;
type BoundIssuer = 'agoraRtc' | 'agoraRtm' | 'agoraRte' | 'agoraChat' | 'videosdk' | 'hmsApp' | 'conference' | 'chat';

const needs = (field: string, value: string, role = value): Privilege => ({ field, value, role });

/** The identity rule of every client-facing token route. */
export const IDENTITY_RULES: { readonly [K in BoundIssuer]: IdentityRule<SchemaOf<K>> } = {
  agoraRtc: { identity: 'uid', wildcard: 0, privileges: (a) => (a.role === 'publisher' ? [needs('role', 'publisher')] : []) },
  agoraRtm: { identity: 'uid' },
  agoraRte: { identity: 'uid', wildcard: 0, privileges: (a) => (a.role === 'publisher' ? [needs('role', 'publisher')] : []) },
  agoraChat: { identity: 'userId' },
  videosdk: {
    identity: 'participantId',
    // VideoSDK treats a token with `crawler`, or with no roles at all, as one for its server APIs.
    unprivileged: (a, holds) => (a.roles === undefined && !holds('crawler') ? { ...a, roles: ['rtc'] } : a),
    privileges: (a) => [
      ...(a.roles?.includes('crawler') ? [needs('roles', 'crawler')] : []),
      ...(a.permissions.includes('allow_mod') ? [needs('permissions', 'allow_mod')] : []),
    ],
  },
  hmsApp: { identity: 'userId', privileges: (a) => [needs('role', a.role)] },
  conference: { identity: 'userId', privileges: (a) => (a.role === 'subscriber' ? [] : [needs('role', a.role)]) },
  chat: { identity: 'userId' },
};

/** Holds one route's requests to the caller. */
export interface Guard<S extends Schema> {
  /** The schema requests are parsed with: under jwt the identity argument may be omitted. */
  readonly schema: Schema;
  /** The arguments to issue with, the identity filled in from the caller. Throws a 403 AppError. */
  admit(args: Record<string, unknown>, caller: Caller): Values<S>;
}

/** Builds a route's guard once, from its rule, its schema and the deployment's policy. */
export function guard<S extends Schema>(rule: IdentityRule<S>, schema: S, policy: CallerPolicy): Guard<S> {
  const field = rule.identity;
  const identity = schema[field]!;
  // Under jwt an omitted identity means "me". Parsing it as optional without a default tells
  // "omitted" from "given" (Agora's uid would otherwise default to the wildcard 0), and only under
  // jwt: under api-key and none a required identity stays required.
  const parsed: Schema = policy.mode === 'jwt' ? { ...schema, [field]: optional(identity.rule) } : schema;
  const wildcardRefused =
    `${field} 0 is Agora's wildcard, which joins as any user, and is refused when callers authenticate: ` +
    (policy.mode === 'jwt' ? `ask for your own ${field} or omit it` : `ask for a specific ${field} (an omitted ${field} means 0)`);

  const isWildcard = (value: unknown) => rule.wildcard !== undefined && value === rule.wildcard;

  return {
    schema: parsed,
    admit(args, caller) {
      const out = { ...args };
      if (isWildcard(out[field])) throw forbidden(wildcardRefused);
      if (caller.via === 'jwt') {
        const own = ownValue(identity.rule, caller.sub, field);
        if (out[field] !== undefined && out[field] !== own) throw forbidden(`${field} must be your own identity (the token's sub) or omitted`);
        if (isWildcard(own)) throw forbidden(wildcardRefused);
        out[field] = own;
      }
      if (policy.mode === 'jwt' && policy.roles === 'claims' && caller.via === 'jwt') {
        const holds = (role: string) => caller.roles.includes(role);
        const admitted = rule.unprivileged?.(out as Values<S>, holds) ?? (out as Values<S>);
        const needed = rule.privileges?.(admitted).find((privilege) => !holds(privilege.role));
        if (needed !== undefined) {
          throw forbidden(`${needed.field} ${needed.value} needs the ${needed.role} role, which your token's ${policy.rolesClaim} claim does not list`);
        }
        return admitted;
      }
      return out as Values<S>;
    },
  };
}

/**
 * The caller's identity as this argument's value, by the argument's own rule: for Agora's uid, a
 * sub of digits is the numeric uid it spells (sub "12345" is uid 12345), any other sub an account.
 */
function ownValue(rule: Rule<unknown>, sub: string, field: string): unknown {
  let value: unknown;
  try {
    value = rule.check(sub, field);
  } catch (error) {
    if (!isArgumentError(error)) throw error;
    throw forbidden(`your identity (the token's sub) cannot be used as ${field}: ${error.message}`);
  }
  // Identities compare in canonical form: a sub "012345" is not the uid 12345 (nor is "0000012345"),
  // or every user whose id differs only by leading zeros would be the same Agora user.
  if (typeof value === 'number' && String(value) !== sub) {
    throw forbidden(`your identity (the token's sub) "${sub}" is not a canonical ${field}: a number with leading zeros names no single ${field}`);
  }
  return value;
}

function forbidden(detail: string): AppError {
  return new AppError('forbidden', detail);
}
