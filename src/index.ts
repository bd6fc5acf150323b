/**
 * rtc-token-server as a library: `TokenClient` for native conference/chat tokens and the
 * provider builders (Agora, VideoSDK, 100ms) the HTTP service itself uses.
 */
import { TokenClient } from './tokens/client.js';

export { TokenClient, type TokenClientOptions } from './tokens/client.js';
export default TokenClient;

export { ArgumentRangeError, ArgumentTypeError, InvalidTokenError, type ArgumentError } from './errors.js';
export { keyId, secretKey, type BuildOptions, type IssuedToken } from './tokens/jwt.js';
export {
  buildChatToken,
  buildConferenceToken,
  verifyNativeToken,
  CONFERENCE_PERMISSIONS,
  CONFERENCE_ROLES,
  type ChatInput,
  type ConferenceInput,
  type ConferenceRole,
  type NativeCredentials,
} from './tokens/native.js';
export {
  AGORA_ROLES,
  buildAgoraChatAppToken,
  buildAgoraChatUserToken,
  buildAgoraRteToken,
  buildAgoraRtcToken,
  buildAgoraRtmToken,
  type AgoraCredentials,
  type AgoraRole,
  type AgoraRtcInput,
  type AgoraRtmInput,
  type AgoraRteInput,
  type AgoraChatAppInput,
  type AgoraChatUserInput,
} from './tokens/agora.js';
export {
  buildVideoSdkToken,
  verifyVideoSdkToken,
  VIDEOSDK_PERMISSIONS,
  VIDEOSDK_ROLES,
  type VideoSdkCredentials,
  type VideoSdkInput,
  type VideoSdkPermission,
  type VideoSdkRole,
} from './tokens/videosdk.js';
export { buildHmsAppToken, buildHmsManagementToken, type HmsAppInput, type HmsCredentials, type HmsManagementInput } from './tokens/hms.js';
