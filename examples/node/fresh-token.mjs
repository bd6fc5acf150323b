/**
 * Server-side use: a Node process that always holds a fresh token, here a 100ms app token for a
 * recording bot, renewed in the background and handed to whatever needs it.
 *   npm start                                  # the token server, dev credentials
 *   node examples/node/fresh-token.mjs         # TOKEN_URL overrides the route asked
 * Stops on Ctrl-C (or SIGTERM), cancelling the renewal timer and any request in flight.
 */
import { TokenSource } from 'rtc-token-server/client';

const url = process.env.TOKEN_URL ?? 'http://localhost:8080/hms/app-token?roomId=room-1&userId=recording-bot&role=viewer&expiresIn=3600';
const source = new TokenSource(url, {
  // A server calling a production token server authenticates as itself (CLIENT_AUTH=api-key).
  headers: process.env.TOKEN_API_KEY ? { 'X-Api-Key': process.env.TOKEN_API_KEY } : {},
});

source.onRefresh((token, expiresAt) => console.log(`token …${token.slice(-12)} valid until ${expiresAt.toISOString()}`));
source.onError((error) => console.error(`token: ${error.message}${error.retryInMs === undefined ? '' : `, retrying in ${error.retryInMs} ms`}`));

try {
  await source.get(); // waits through retries while the server is still starting
} catch (error) {
  console.error(`no token: ${error.message}`);
  process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => source.stop());
