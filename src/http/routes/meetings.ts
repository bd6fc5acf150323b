/**
 * The meeting registry: create a meeting id, validate it later, on any instance that shares the
 * store. Both routes are authorized by a VideoSDK token this server issued (see videosdk-auth).
 */
import type { ErrorRequestHandler } from 'express';
import { AppError, ArgumentRangeError, invalidArguments } from '../../errors.js';
import { createMeeting, MEETING_ID } from '../../meetings/store.js';
import { required, type Rule } from '../../tokens/args.js';
import { jsonBody } from '../middleware/json-body.js';
import { onlyMethods } from '../middleware/methods.js';
import { caller, meetingBody, requireVideoSdkToken } from '../middleware/videosdk-auth.js';
import { parseQuery } from '../query.js';
import { sendJson } from '../respond.js';
import { fromStore } from '../store-guard.js';
import type { RouteModule } from './deps.js';

const malformed = (name: string) => new ArgumentRangeError(name, `${name} must look like abcd-efgh-ijkl: three groups of four lowercase letters or digits`);

/** A meeting id as the registry hands them out. */
const meetingId: Rule<string> = {
  doc: 'three groups of four lowercase letters or digits: `abcd-efgh-ijkl`',
  check(value, name) {
    if (typeof value !== 'string' || !MEETING_ID.test(value)) throw malformed(name);
    return value;
  },
  parse: (text, name) => meetingId.check(text, name),
};
const pathSchema = { meetingId: required(meetingId) };

export const meetingRoutes: RouteModule = (router, { store, tokens, logger, revocations }) => {
  const auth = requireVideoSdkToken(tokens, revocations);

  router
    .route('/create-meeting')
    .post(auth, jsonBody, async (req, res) => {
      meetingBody(req.body);
      const { participantId, apikey } = caller(res);
      const meeting = await fromStore(logger, () => createMeeting(store, participantId ?? apikey, tokens.clock()));
      // roomId: the name VideoSDK's example API servers answer with, for frontends written against them.
      sendJson(res, { meetingId: meeting.id, roomId: meeting.id, createdAt: meeting.createdAt.toISOString() }, 201);
    })
    .all(onlyMethods('POST'));

  router
    .route('/validate-meeting/:meetingId')
    .post(auth, jsonBody, async (req, res) => {
      meetingBody(req.body);
      const id = parseQuery(pathSchema, req.params).meetingId;
      const meeting = await fromStore(logger, () => store.find(id));
      if (meeting === undefined) throw new AppError('not-found', `no meeting with id ${id}`);
      sendJson(res, { meetingId: meeting.id, roomId: meeting.id, valid: true, createdAt: meeting.createdAt.toISOString() });
    })
    .all(onlyMethods('POST'));
  // Express decodes :meetingId while matching the route, before any handler: escapes that are not
  // UTF-8 (%E9, %ED%A0%80) or a stray % fail there with a bare URIError. Such an id is malformed too.
  const undecodableId: ErrorRequestHandler = (error, _req, _res, next) => next(error instanceof URIError ? invalidArguments([malformed('meetingId')]) : error);
  router.use('/validate-meeting', undecodableId);
};
