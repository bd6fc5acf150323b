/**
 * What the bare servers (bare-express.js, bare-http.js) share: the same builders, verifier, store
 * and createMeeting the service uses, imported from dist/, so the only difference left to measure
 * is the service's HTTP layer. Each handler returns `{ status, body }`; the two servers differ
 * only in how they route and send it.
 *
 * Skipped on purpose (the service does these; see results.md): helmet headers, the request id
 * and pino-http request log, Prometheus metrics, CORS, nocache headers, rate limiting, method
 * (405/OPTIONS) handling, the query parser beyond the builder's own argument checks (no 400
 * problem+json per field, no repeated-parameter check, no configured TTL bounds), the JSON body
 * parser on meeting routes, and the problem+json error handler.
 */
import { buildAgoraRteToken, buildAgoraRtcToken, buildConferenceToken, buildHmsAppToken, buildVideoSdkToken, secretKey } from '../dist/index.js';
import { verifyVideoSdkToken } from '../dist/tokens/videosdk.js';
import { openStore } from '../dist/meetings/open.js';
import { createMeeting, MEETING_ID } from '../dist/meetings/store.js';
import { RevocationRules } from '../dist/revocation/rules.js';

const env = process.env;

// Credentials are made once, as the service's config does: a KeyObject per secret.
const native = { key: env.MASTER_KEY, secret: secretKey(env.MASTER_SECRET) };
const videosdk = { apiKey: env.VIDEOSDK_API_KEY, secret: secretKey(env.VIDEOSDK_SECRET) };
const hms = { accessKey: env.HMS_APP_ACCESS_KEY, secret: secretKey(env.HMS_APP_SECRET) };
const agora = { appId: env.AGORA_APP_ID, appCertificate: env.AGORA_APP_CERTIFICATE };

// The PostgreSQL store only logs a dropped idle connection.
const quietLogger = { warn() {}, info() {}, error() {} };
export const store = await openStore(env.DATABASE_URL ?? 'memory:', quietLogger);
// The revocation rules the store holds, in memory as the service holds them (loaded once: the
// bench never changes them).
const revocations = new RevocationRules(store, quietLogger, () => new Date());
await revocations.reload();

const issued = ({ token, expiresAt }) => ({ status: 200, body: { token, expiresAt: expiresAt.toISOString() } });
const issuer = (build, credentials) => (query) => {
  try {
    return issued(build(query, credentials));
  } catch (error) {
    return { status: 400, body: { error: error.message } };
  }
};

/** GET path → (query object) → response. */
export const tokenRoutes = new Map([
  ['/conference-token', issuer(buildConferenceToken, native)],
  ['/get-token', issuer(buildVideoSdkToken, videosdk)],
  ['/hms/app-token', issuer(buildHmsAppToken, hms)],
  ['/access_token', issuer(buildAgoraRtcToken, agora)],
  ['/rte_token', issuer(buildAgoraRteToken, agora)],
]);

/** The community servers' `GET /rtc/:channelName/:role/:tokentype/:uid`: the same builder, `{ rtcToken }`. */
export function communityRtcRoute({ channelName, role, tokentype, uid }) {
  try {
    const { token } = buildAgoraRtcToken({ channelName, role: role === 'audience' ? 'subscriber' : role, uid: tokentype === 'uid' ? Number(uid) : uid }, agora);
    return { status: 200, body: { rtcToken: token } };
  } catch (error) {
    return { status: 400, body: { error: error.message } };
  }
}

/** The service's VideoSDK check: signature and apikey, then the revocation rules (in memory), then roles. */
async function authorize(header) {
  const value = header?.trim();
  const token = value?.startsWith('Bearer ') ? value.slice(7).trim() : value;
  if (!token) return { status: 401, body: { error: 'missing token' } };
  const now = new Date();
  let claims;
  try {
    claims = verifyVideoSdkToken(token, videosdk, { now });
  } catch (error) {
    return { status: 401, body: { error: error.message } };
  }
  if (revocations.matchToken(claims, now) !== undefined) return { status: 401, body: { error: 'revoked' } };
  if (claims.roles !== undefined && !claims.roles.includes('crawler')) return { status: 403, body: { error: 'no crawler role' } };
  return { claims };
}

/** POST /create-meeting with the caller's Authorization header. */
export async function createMeetingRoute(authorization) {
  const auth = await authorize(authorization);
  if (!auth.claims) return auth;
  const meeting = await createMeeting(store, auth.claims.participantId ?? auth.claims.apikey, new Date());
  return { status: 201, body: { meetingId: meeting.id, createdAt: meeting.createdAt.toISOString() } };
}

/** POST /validate-meeting/:id with the caller's Authorization header. */
export async function validateMeetingRoute(authorization, id) {
  const auth = await authorize(authorization);
  if (!auth.claims) return auth;
  if (!MEETING_ID.test(id)) return { status: 400, body: { error: 'bad meeting id' } };
  const meeting = await store.find(id);
  if (meeting === undefined) return { status: 404, body: { error: 'no such meeting' } };
  return { status: 200, body: { meetingId: meeting.id, valid: true, createdAt: meeting.createdAt.toISOString() } };
}

/** Listens where the runner said and closes the store on SIGTERM, like the service. */
export function serve(server) {
  server.listen(Number(env.PORT ?? 0), env.HOST ?? '127.0.0.1');
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections?.();
    void store.close().finally(() => process.exit(0));
  });
}
