/**
 * Request body parsing as upstream configures it: JSON (`application/json` and
 * `application/cloudevents+json`), text, URL-encoded (extended), anything else as a
 * Buffer; up to 1024 MB; `req.rawBody` keeps the received bytes.
 */
import type { Request, RequestHandler } from 'express';
import express from 'express';

export type RawBodyRequest = Request & { rawBody?: Buffer };

const LIMIT = '1024mb';

function keepRawBody(req: Request, _res: unknown, buf: Buffer): void {
  (req as RawBodyRequest).rawBody = buf;
}

/** Same test as `type-is`'s hasBody: a body is announced by transfer-encoding or content-length. */
function hasBody(req: Request): boolean {
  const headers = req.headers;
  return headers['transfer-encoding'] !== undefined || !Number.isNaN(Number.parseInt(headers['content-length'] ?? '', 10));
}

/**
 * One middleware instead of a router layer per parser: requests without a body (most GETs)
 * skip the parsers entirely. Each parser ignores content types it does not handle
 * and requests an earlier parser already read; the catch-all raw parser comes last.
 */
export function bodyParser(): RequestHandler {
  const common = { limit: LIMIT, verify: keepRawBody };
  const parsers: RequestHandler[] = [
    express.json({ ...common, type: ['application/json', 'application/cloudevents+json'] }),
    express.text(common),
    express.urlencoded({ ...common, extended: true }),
    express.raw({ ...common, type: '*/*' }),
  ];
  return (req, res, next) => {
    if (!hasBody(req)) {
      // Express 4 (upstream) always left an object in req.body; Express 5 leaves undefined.
      req.body = {};
      next();
      return;
    }
    let index = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        next(err);
        return;
      }
      const parser = parsers[index++];
      if (parser !== undefined) {
        parser(req, res, step);
        return;
      }
      if (req.body === undefined) req.body = {};
      next();
    };
    step();
  };
}
