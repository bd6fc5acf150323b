/**
 * Target (2): a bare Express 5 app, one route per path, issuing the same tokens with the same
 * builders as the service (see bare-common.js for what it leaves out). ETag and X-Powered-By are
 * off as in the service, so the comparison measures middleware, not a hash the service never does.
 */
import { createServer } from 'node:http';
import express from 'express';
import { communityRtcRoute, createMeetingRoute, serve, tokenRoutes, validateMeetingRoute } from './bare-common.js';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);

const send = (res, { status, body }) => res.status(status).json(body);

for (const [path, handle] of tokenRoutes) app.get(path, (req, res) => send(res, handle(req.query)));
app.get('/rtc/:channelName/:role/:tokentype/:uid', (req, res) => send(res, communityRtcRoute(req.params)));
app.post('/create-meeting', async (req, res) => send(res, await createMeetingRoute(req.headers.authorization)));
app.post('/validate-meeting/:meetingId', async (req, res) => send(res, await validateMeetingRoute(req.headers.authorization, req.params.meetingId)));

serve(createServer(app));
