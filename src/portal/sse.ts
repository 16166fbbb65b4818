// One Server-Sent Events stream to a browser: JSON messages, a comment now and then so proxies do
// not close a quiet stream, and an end after STREAM_LIFETIME_MS so the browser reconnects — the
// reconnection passes through sign-in renewal, so a watch never outlives its token for long.
// Streams still open when the portal stops are ended first (`openStreams` closes them).
//
// Each stream holds watches on the API server and files in the portal, so they are capped: so many
// per person and so many in all; a new stream over a cap closes the oldest one it counts against
// (the page that opened it reconnects, but only after CAPPED_RETRY_MS, so two tabs over the cap do
// not take turns every two seconds).
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { StreamCap, StreamMetrics } from './stream-metrics.js';

export const STREAM_LIFETIME_MS = 5 * 60_000;
const HEARTBEAT_MS = 20_000;
/** How long the browser waits before it reconnects. */
const RETRY_MS = 2000;
/** How long a browser whose stream a cap closed waits before it reconnects. */
export const CAPPED_RETRY_MS = 60_000;

export interface StreamLimits {
  /** Streams one person may have open at once (all their tabs, browsers and sessions). */
  perPerson: number;
  /** Streams open at once in this portal, everyone's. */
  perPortal: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perPerson: 4, perPortal: 2000 };

export interface StreamOptions {
  /** Without limits, streams are not capped. */
  limits?: StreamLimits;
  metrics?: StreamMetrics;
}

/**
 * Which open streams a new one of `owner` closes, oldest first: `open` is in the order the
 * streams were opened. Pure.
 */
export function overCap<T extends { owner: string }>(
  open: readonly T[],
  owner: string,
  limits: StreamLimits,
): { stream: T; cap: StreamCap }[] {
  const closing: { stream: T; cap: StreamCap }[] = [];
  const own = open.filter((s) => s.owner === owner);
  for (const stream of own.slice(0, Math.max(0, own.length - limits.perPerson + 1)))
    closing.push({ stream, cap: 'person' });
  const left = open.filter((s) => !closing.some((c) => c.stream === s));
  for (const stream of left.slice(0, Math.max(0, left.length - limits.perPortal + 1)))
    closing.push({ stream, cap: 'portal' });
  return closing;
}

export interface EventStream {
  send(message: unknown): void;
  end(): void;
  /** Aborted when the stream ends, for the watches that feed it. */
  signal: AbortSignal;
  /** Hands the stream to Fastify as the reply. */
  reply(): FastifyReply;
}

interface LiveStream {
  owner: string;
  end(): void;
  /** Ends it and has the browser wait CAPPED_RETRY_MS before it reconnects. */
  cap(): void;
}

/**
 * The streams of one portal, ended before it closes. `owner` names whose stream it is (the
 * person) for the per-person cap.
 */
/** Opens a stream as the reply to a request; `owner` is the person, for the per-person cap. */
export type OpenStream = (reply: FastifyReply, owner?: string) => EventStream;

export function openStreams(app: FastifyInstance, options: StreamOptions = {}): OpenStream {
  // In the order they were opened: the oldest first.
  const open = new Set<LiveStream>();
  app.addHook('preClose', async () => {
    for (const s of [...open]) s.end();
  });
  return (reply, owner = '') => {
    if (options.limits) {
      for (const { stream, cap } of overCap([...open], owner, options.limits)) {
        options.metrics?.closedByCap(cap);
        stream.cap();
      }
    }
    const stream = new PassThrough();
    const stop = new AbortController();
    const end = () => {
      if (stop.signal.aborted) return;
      stop.abort();
      open.delete(entry);
      options.metrics?.closed();
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      stream.end();
    };
    const entry: LiveStream = {
      owner,
      end,
      cap: () => {
        if (!stop.signal.aborted) stream.write(`retry: ${CAPPED_RETRY_MS}\n\n`);
        end();
      },
    };
    const heartbeat = setInterval(() => stream.write(': still here\n\n'), HEARTBEAT_MS);
    const lifetime = setTimeout(end, STREAM_LIFETIME_MS);
    reply.raw.on('close', end);
    open.add(entry);
    options.metrics?.opened();
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
