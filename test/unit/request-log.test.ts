import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { requestLineWriter, type RequestRecord } from '../../src/http/middleware/request-log.js';

function capturing(level: 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  return { logger: createLogger(level, { write: (line: string) => void lines.push(line) }), lines };
}

const withoutTime = (line: string) => line.replace(/"time":\d+,/, '"time":0,');

describe('request log lines', () => {
  const records: RequestRecord[] = [
    {
      req: { id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479', method: 'GET', url: '/hms/app-token?roomId=r&userId=u', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
      responseTime: 3,
    },
    {
      req: { id: 'trace-1.2:3', method: 'POST', url: '/validate-meeting/x"y\\z\u0001\u2028é\ud800', remoteAddress: '::ffff:10.0.0.7' },
      res: { statusCode: 404 },
      responseTime: 0,
    },
    { req: { id: 'a', method: 'OPTIONS', url: '/', remoteAddress: undefined }, res: { statusCode: 204 }, responseTime: 1234 },
  ];

  it('when a request line is written, then it is byte for byte the line pino writes for the same record and message', () => {
    for (const msg of ['request completed', 'request aborted']) {
      for (const record of records) {
        const ours = capturing();
        const theirs = capturing();
        requestLineWriter(ours.logger)!(record, msg);
        theirs.logger.info(record, msg);
        expect(ours.lines).toHaveLength(1);
        expect(withoutTime(ours.lines[0]!)).toBe(withoutTime(theirs.lines[0]!));
        expect(JSON.parse(ours.lines[0]!)).toMatchObject({
          level: 30,
          time: expect.any(Number),
          service: 'rtc-token-server',
          pid: process.pid,
          hostname: hostname(),
          ...JSON.parse(JSON.stringify(record)),
          msg,
        });
      }
    }
  });

  it('when the logger does not log at info, then there is no request line writer', () => {
    expect(requestLineWriter(capturing('warn').logger)).toBeUndefined();
  });
});
