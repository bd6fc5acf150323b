/**
 * Target (3): node:http with a hand-written dispatch, issuing the same tokens with the same
 * builders as the service (see bare-common.js for what it leaves out). The floor: what a request
 * costs with no framework at all.
 */
import { createServer } from 'node:http';
import { communityRtcRoute, createMeetingRoute, serve, tokenRoutes, validateMeetingRoute } from './bare-common.js';

const VALIDATE = '/validate-meeting/';

function send(res, { status, body }) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

async function route(req) {
  const mark = req.url.indexOf('?');
  const path = mark === -1 ? req.url : req.url.slice(0, mark);
  if (req.method === 'GET') {
    const handle = tokenRoutes.get(path);
    if (handle) return handle(Object.fromEntries(new URLSearchParams(mark === -1 ? '' : req.url.slice(mark + 1))));
    if (path.startsWith('/rtc/')) {
      const [channelName, role, tokentype, uid] = path.slice(5).split('/').map(decodeURIComponent);
      return communityRtcRoute({ channelName, role, tokentype, uid });
    }
  } else if (req.method === 'POST') {
    if (path === '/create-meeting') return createMeetingRoute(req.headers.authorization);
    if (path.startsWith(VALIDATE)) return validateMeetingRoute(req.headers.authorization, decodeURIComponent(path.slice(VALIDATE.length)));
  }
  return { status: 404, body: { error: 'not found' } };
}

serve(
  createServer((req, res) => {
    // A store failure must answer 500, not crash the floor everything is compared against.
    route(req).then(
      (answer) => send(res, answer),
      (error) => send(res, { status: 500, body: { error: error.message } }),
    );
  }),
);
