// Structured JSON logs (pino). Every line about an object carries its key (`namespace/name`), so
// one grep follows a pool through every controller.
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'kubevdi',
    level: options.level ?? process.env.KUBEVDI_LOG_LEVEL ?? 'info',
    // Never log credentials, even if an error object carries a request with them.
    redact: {
      paths: ['*.headers.authorization', '*.headers.Authorization', '*.token', '*.password'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing, for tests and libraries used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
