// The live-update streams' limits without a cluster: which streams a cap closes (pure), the caps on
// real streams of a real Fastify server, watches that give up on what they never see, and watches
// that leave no 'abort' listener behind on the stream's signal however often they retry (against
// an address where nothing listens, or a socket that hangs up: every watch fails at once and is
// tried again).
import { getEventListeners } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { followObject, type WatchCount, watchOnce } from '../src/portal/claim-watch.js';
import { CAPPED_RETRY_MS, type EventStream, openStreams, overCap } from '../src/portal/sse.js';
import { StreamMetrics } from '../src/portal/stream-metrics.js';
import { followDesktopClaim } from '../src/portal/user/desktop-follow.js';
import { eventually } from './support/eventually.js';

/** A kubeconfig whose API server is at `server` (by default, where connections are refused). */
function unreachable(server = 'http://127.0.0.1:1'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('stream caps', () => {
  const s = (owner: string, id: number) => ({ owner, id });

  it('closes the oldest of the person over their cap, then the oldest of all over the portal’s', () => {
    const limits = { perPerson: 2, perPortal: 4 };
    expect(overCap([s('a', 1)], 'a', limits)).toEqual([]);
    expect(overCap([s('a', 1), s('b', 2), s('a', 3)], 'a', limits)).toEqual([{ stream: s('a', 1), cap: 'person' }]);
    // bob is under his cap, the portal is full: the oldest of anyone's goes.
    expect(overCap([s('a', 1), s('c', 2), s('a', 3), s('c', 4)], 'b', limits)).toEqual([
      { stream: s('a', 1), cap: 'portal' },
    ]);
    // A cap lowered below what is open closes all that is over it.
    expect(
      overCap([s('a', 1), s('a', 2), s('a', 3)], 'a', { perPerson: 1, perPortal: 10 }).map((c) => c.stream.id),
    ).toEqual([1, 2, 3]);
  });

  it('keeps each person to their cap on real streams, counted in the metrics', async () => {
    const app = Fastify();
    const registry = new Registry();
    const metrics = new StreamMetrics(registry);
    const open = openStreams(app, { limits: { perPerson: 2, perPortal: 3 }, metrics });
    const streams: EventStream[] = [];
    app.get('/s/:owner', async (request, reply) => {
      const stream = open(reply, (request.params as { owner: string }).owner);
      streams.push(stream);
      stream.send({ n: streams.length });
      return stream.reply();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    stops.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const texts: string[] = [];
    const ended: boolean[] = [];
    const connect = async (owner: string) => {
      const i = texts.length;
      texts.push('');
      ended.push(false);
      const response = await fetch(`${base}/s/${owner}`);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      stops.push(() => reader.cancel().catch(() => {}));
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) break;
          texts[i] += Buffer.from(value as Uint8Array).toString();
        }
        ended[i] = true;
      })();
      await eventually(() => expect(texts[i]).toContain('data:'));
    };

    for (let i = 0; i < 4; i++) await connect('alice');
    // The oldest two of alice's ended, told to wait before they reconnect.
    await eventually(() => expect(ended).toEqual([true, true, false, false]));
    expect(texts[0]).toContain(`retry: ${CAPPED_RETRY_MS}`);
    expect(texts[3]).not.toContain(`retry: ${CAPPED_RETRY_MS}`);
    expect(streams.map((s) => s.signal.aborted)).toEqual([true, true, false, false]);

    // bob's second stream is over the portal's cap of 3: the oldest of all (alice's) goes.
    await connect('bob');
    await connect('bob');
    await eventually(() => expect(ended).toEqual([true, true, true, false, false, false]));
    const text = await registry.metrics();
    expect(text).toMatch(/kubevdi_portal_event_streams 3\b/);
    expect(text).toMatch(/kubevdi_portal_event_streams_capped_total\{cap="person"\} 2\b/);
    expect(text).toMatch(/kubevdi_portal_event_streams_capped_total\{cap="portal"\} 1\b/);
  });
});

describe('watches of a stream', () => {
  it('give up an object never seen within their patience, and say so', async () => {
    let open = 0;
    let givenUp = 0;
    const watches: WatchCount = { opened: () => open++, closed: () => open--, gaveUp: () => givenUp++ };
    let gone = 0;
    const stop = new AbortController();
    stops.push(() => stop.abort());
    const follow = followObject(
      unreachable(),
      '/apis/kubevdi.io/v1alpha1/namespaces/ns/desktopclaims',
      'someone-elses',
      { changed: () => {}, gone: () => gone++, signedOut: () => {} },
      stop.signal,
      { patienceMs: 500, watches },
    );
    expect(open).toBe(1);
    await follow;
    expect({ open, gone, givenUp }).toEqual({ open: 0, gone: 1, givenUp: 1 });
  });

  it('leave no abort listener on the stream’s signal, however many claims and retries', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    stops.push(() => process.off('warning', onWarning));
    const stream = new AbortController();
    stops.push(() => stream.abort());
    // Hangs up on every connection, and counts them: each is one watch tried.
    let tries = 0;
    const sink = createServer((socket) => {
      tries++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => sink.close(resolve)));
    const kc = unreachable(`http://127.0.0.1:${(sink.address() as AddressInfo).port}`);

    // A watch that cannot even start (no cluster in the kubeconfig) removes its listener too.
    for (let i = 0; i < 20; i++) {
      const end = await watchOnce(new KubeConfig(), '/api/v1/namespaces', {}, () => {}, stream.signal);
      expect(end.error).toBeInstanceOf(Error);
    }
    expect(getEventListeners(stream.signal, 'abort')).toHaveLength(0);

    // Twenty claims on one stream, each watch failing and tried again with backoff.
    const follows = Array.from({ length: 20 }, (_, i) =>
      followDesktopClaim(
        kc,
        'alice',
        { namespace: 'ns', name: `claim-${i}` },
        { claim: () => {}, gone: () => {}, signedOut: () => {}, trouble: () => {} },
        stream.signal,
        { watches: { opened: () => {}, closed: () => {} } },
      ),
    );
    // Every follow fails and is tried again a few times (backoff 250 ms, 500 ms, 1 s...).
    await eventually(() => expect(tries).toBeGreaterThanOrEqual(20 * 3), 20_000);
    expect(getEventListeners(stream.signal, 'abort')).toHaveLength(0);
    stream.abort();
    await Promise.all(follows);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
