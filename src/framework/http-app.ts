/**
 * The Express application: upstream's settings and body parsing, then the function
 * on every path (all methods for `http`, POST for the event signatures).
 */
import express, { type Express, type RequestHandler } from 'express';

import { bodyParser } from './request-body.js';
import type { SignatureType } from './signature-type.js';

/** Express 5 pattern for "any path, including /". */
const ANY_PATH = '/{*path}';

export function createHttpApp(signatureType: SignatureType, handler: RequestHandler): Express {
  const app = express();
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  // Express 4's default, which upstream functions were written against.
  app.set('query parser', 'extended');

  app.use(bodyParser());

  if (signatureType === 'http') {
    // Browsers and crawlers ask for these; they should not invoke the function.
    app.use(['/favicon.ico', '/robots.txt'], (_req, res) => {
      res.status(404).send(null);
    });
    app.all(ANY_PATH, handler);
  } else {
    app.post(ANY_PATH, handler);
  }
  return app;
}
