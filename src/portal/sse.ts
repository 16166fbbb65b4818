// One Server-Sent Events stream to a browser: JSON messages, a comment now and then so proxies do
// not close a quiet stream, and an end after STREAM_LIFETIME_MS so the browser reconnects — the
// reconnection passes through sign-in renewal, so a watch never outlives its token for long.
// Streams still open when the portal stops are ended first (`openStreams` closes them).
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const STREAM_LIFETIME_MS = 5 * 60_000;
const HEARTBEAT_MS = 20_000;
/** How long the browser waits before it reconnects. */
const RETRY_MS = 2000;

export interface EventStream {
  send(message: unknown): void;
  end(): void;
  /** Aborted when the stream ends, for the watches that feed it. */
  signal: AbortSignal;
  /** Hands the stream to Fastify as the reply. */
  reply(): FastifyReply;
}

/** The streams of one portal, ended before it closes. */
export function openStreams(app: FastifyInstance): (reply: FastifyReply) => EventStream {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  return (reply) => {
    const stream = new PassThrough();
    const stop = new AbortController();
    const end = () => {
      if (stop.signal.aborted) return;
      stop.abort();
      open.delete(end);
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      stream.end();
    };
    const heartbeat = setInterval(() => stream.write(': still here\n\n'), HEARTBEAT_MS);
    const lifetime = setTimeout(end, STREAM_LIFETIME_MS);
    reply.raw.on('close', end);
    open.add(end);
    stream.write(`retry: ${RETRY_MS}\n\n`);
    return {
      send(message) {
        if (!stop.signal.aborted) stream.write(`data: ${JSON.stringify(message)}\n\n`);
      },
      end,
      signal: stop.signal,
      reply: () =>
        reply
          .type('text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('x-accel-buffering', 'no')
          // The connection ends with the stream. Kept alive, it would outlive a stream the portal
          // ends as it stops (preClose): the server's close() has already closed the idle
          // connections by the time this one becomes idle, and it then waits for the client to
          // go (found by the portal benchmark: a portal with open pages did not stop in 10 s).
          .header('connection', 'close')
          .send(stream),
    };
  };
}
