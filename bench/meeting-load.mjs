/**
 * The meeting routes' load, shared by the report (run.mjs), the quick A/B (quick-compare.mjs) and
 * the profiler (profile.mjs): a VideoSDK token every target accepts, and /validate-meeting over
 * ids known to exist in a seeded registry (seed.mjs).
 */
import { buildVideoSdkToken, secretKey } from '../dist/index.js';
import { sampleIds } from './seed.mjs';
import { CREDENTIALS } from './settings.mjs';

// Same key and secret as every target, no `roles` (so the crawler check passes), valid for longer than any run.
export const meetingAuth = {
  authorization: `Bearer ${buildVideoSdkToken({ participantId: 'bench', expiresIn: 86400 }, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }).token}`,
};

/** POST /validate-meeting/:id rotating over 1,000 ids of a registry of `count` seeded meetings. */
export const validateSpec = (count) => ({ method: 'POST', paths: sampleIds(count).map((id) => `/validate-meeting/${id}`), headers: meetingAuth });
