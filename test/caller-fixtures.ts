/** Shared by the caller-authentication tests: the client-facing token routes. */

/** Each client-facing token route, a query complete but for the identity, and the identity's name. */
export const ROUTES: readonly (readonly [string, Record<string, string>, string])[] = [
  ['/access_token', { channelName: 'lobby' }, 'uid'],
  ['/rtm_token', {}, 'uid'],
  ['/rte_token', { channelName: 'lobby' }, 'uid'],
  ['/agora/chat-token', {}, 'userId'],
  ['/get-token', {}, 'participantId'],
  ['/hms/app-token', { roomId: 'room1', role: 'guest' }, 'userId'],
  ['/conference-token', { roomId: 'room1', role: 'subscriber' }, 'userId'],
  ['/chat-token', { channelId: 'general' }, 'userId'],
];
