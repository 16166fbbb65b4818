// The portal's logger: whatever it is given, credentials are censored — bearer tokens, the
// session cookies that carry them, and any token field an error or a request body may hold.
import type { Logger } from 'pino';
import { createLogger } from '../runtime/log.js';

export const REDACTED_PATHS = [
  'token',
  'refreshToken',
  'idToken',
  '*.token',
  '*.refreshToken',
  '*.idToken',
  '*.body.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers["set-cookie"]',
];

export function portalLogger(base: Logger = createLogger()): Logger {
  return base.child({ component: 'portal' }, { redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
