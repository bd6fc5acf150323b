/**
 * The meeting registry: create a meeting id, validate it later, on any instance that shares the
 * store. Both routes are authorized by a VideoSDK token this server issued (see videosdk-auth).
 */
import type { ErrorRequestHandler, Router } from 'express';
import { AppError, invalidRequest } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createMeeting, MEETING_ID, type MeetingStore } from '../../meetings/store.js';
import type { TokenService } from '../../tokens/service.js';
import { jsonBody } from '../middleware/json-body.js';
import { onlyMethods } from '../middleware/methods.js';
import { caller, requireVideoSdkToken } from '../middleware/videosdk-auth.js';
import { fromStore } from '../store-guard.js';

const malformedId = () =>
  invalidRequest([{ field: 'meetingId', message: 'meetingId must look like abcd-efgh-ijkl: three groups of four lowercase letters or digits' }]);

export function meetingRoutes(router: Router, store: MeetingStore, tokens: TokenService, logger: Logger): void {
  const auth = requireVideoSdkToken(tokens, store, logger);

  router
    .route('/create-meeting')
    .post(auth, jsonBody, async (_req, res) => {
      const { participantId, apikey } = caller(res);
      const meeting = await fromStore(logger, () => createMeeting(store, participantId ?? apikey, tokens.clock()));
      res.status(201).json({ meetingId: meeting.id, createdAt: meeting.createdAt.toISOString() });
    })
    .all(onlyMethods('POST'));

  router
    .route('/validate-meeting/:meetingId')
    .post(auth, jsonBody, async (req, res) => {
      const id = req.params.meetingId!;
      if (!MEETING_ID.test(id)) throw malformedId();
      const meeting = await fromStore(logger, () => store.find(id));
      if (meeting === undefined) throw new AppError('not-found', `no meeting with id ${id}`);
      res.json({ meetingId: meeting.id, valid: true, createdAt: meeting.createdAt.toISOString() });
    })
    .all(onlyMethods('POST'));
  // Express decodes :meetingId while matching the route, before any handler: escapes that are not
  // UTF-8 (%E9, %ED%A0%80) or a stray % fail there with a bare URIError. Such an id is malformed too.
  const undecodableId: ErrorRequestHandler = (error, _req, _res, next) => next(error instanceof URIError ? malformedId() : error);
  router.use('/validate-meeting', undecodableId);

}
