// The console proxy's pieces without a cluster: how refusals become plain words, and the pipe's
// backpressure between two real websockets on loopback.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { HIGH_WATER, pipeConsole } from '../src/portal/console/pipe.js';
import { CONSOLE_CLOSE, consoleCloseOf, consoleSocketPath } from '../src/portal/console/protocol.js';
import { refusalOf, refusalReason, vncPath } from '../src/portal/console/upstream.js';

describe('console refusals', () => {
  it('puts the API server’s and KubeVirt’s answers in plain words', () => {
    expect(refusalOf(403, '{"kind":"Status"}')).toBe('forbidden');
    expect(refusalOf(404, '')).toBe('notFound');
    expect(refusalOf(401, '')).toBe('signInRequired');
    expect(refusalOf(503, 'Active VNC connection. Request denied.')).toBe('inUse');
    expect(refusalOf(503, 'service unavailable')).toBe('unavailable');
    expect(refusalOf(400, 'VMI is not running')).toBe('refused');
    expect(refusalReason('refused', 'VMI is not running')).toBe('the console cannot be opened: VMI is not running');
    expect(
      refusalReason('refused', JSON.stringify({ kind: 'Status', message: 'No graphics devices are present.' })),
    ).toBe('the console cannot be opened: No graphics devices are present.');
    expect(refusalReason('refused', 'x'.repeat(500))).toBe(CONSOLE_CLOSE.refused.reason);
    expect(refusalReason('inUse', '')).toBe('the console is open elsewhere');
    for (const { code, reason } of Object.values(CONSOLE_CLOSE)) {
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      expect(code).toBeGreaterThanOrEqual(4000);
      expect(consoleCloseOf(code)).toBeDefined();
    }
  });

  it('asks KubeVirt to preserve an open console unless the person takes it over', () => {
    expect(vncPath({ namespace: 'ns', desktop: 'd-0', preserveSession: true })).toBe(
      '/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/d-0/vnc?preserveSession=true',
    );
    expect(vncPath({ namespace: 'ns', desktop: 'd-0', preserveSession: false })).toMatch(/preserveSession=false$/);
    expect(consoleSocketPath('ns', 'd-0')).toBe('/api/console/ns/d-0');
    expect(consoleSocketPath('ns', 'd-0', true)).toBe('/api/console/ns/d-0?takeOver=true');
  });
});

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise((r) => s.close(r));
  }
});

/** A websocket server on loopback and a client connected to it: [server side, client side]. */
async function pair(): Promise<[WebSocket, WebSocket]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => server.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
  });
  await new Promise((r) => client.once('open', r));
  return [await accepted, client];
}

describe('the console pipe', () => {
  it('pauses the desktop while the browser reads slowly, instead of buffering without bound', async () => {
    // desktop ⇄ [upstream | portal | browserSide] ⇄ browser
    const [desktop, upstream] = await pair();
    const [browserSide, browser] = await pair();
    browser.pause(); // a browser that does not read
    pipeConsole(browserSide, upstream);
    const frame = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    // The desktop writes far more than the pipe's high-water mark.
    for (let i = 0; i < 400; i++) {
      desktop.send(frame);
      sent += frame.length;
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(upstream.isPaused).toBe(true);
    // What the portal holds for the browser stays near the high-water mark, not the 25 MiB sent.
    expect(browserSide.bufferedAmount).toBeLessThan(HIGH_WATER * 2);
    expect(sent).toBeGreaterThan(HIGH_WATER * 10);

    // Once the browser reads again everything arrives, in order.
    let received = 0;
    const done = new Promise<void>((resolve) =>
      browser.on('message', (data: Buffer) => {
        received += data.length;
        if (received === sent) resolve();
      }),
    );
    browser.resume();
    await done;
    expect(received).toBe(sent);
  });

  it('closes the browser with words when the desktop drops the connection, and the desktop when the browser leaves', async () => {
    const [desktop, upstream] = await pair();
    const [browserSide, browser] = await pair();
    pipeConsole(browserSide, upstream);
    const closed = new Promise<[number, string]>((r) =>
      browser.once('close', (code, reason) => r([code, String(reason)])),
    );
    desktop.terminate();
    expect(await closed).toEqual([CONSOLE_CLOSE.ended.code, CONSOLE_CLOSE.ended.reason]);

    const [desktop2, upstream2] = await pair();
    const [browserSide2, browser2] = await pair();
    pipeConsole(browserSide2, upstream2);
    const desktopClosed = new Promise<number>((r) => desktop2.once('close', (code) => r(code)));
    browser2.close(1000);
    expect(await desktopClosed).toBe(1000);
  });

  it('lets the portal end both sides, telling the browser why, once', async () => {
    const [desktop, upstream] = await pair();
    const [browserSide, browser] = await pair();
    const ends: string[] = [];
    const pipe = pipeConsole(browserSide, upstream, { onEnd: (by, code) => ends.push(`${by} ${code}`) });
    const closed = new Promise<[number, string]>((r) =>
      browser.once('close', (code, reason) => r([code, String(reason)])),
    );
    const desktopClosed = new Promise<number>((r) => desktop.once('close', (code) => r(code)));
    pipe.close(CONSOLE_CLOSE.revoked.code, CONSOLE_CLOSE.revoked.reason);
    pipe.close(CONSOLE_CLOSE.signInRequired.code, CONSOLE_CLOSE.signInRequired.reason);
    expect(await closed).toEqual([CONSOLE_CLOSE.revoked.code, CONSOLE_CLOSE.revoked.reason]);
    expect(await desktopClosed).toBe(1000);
    expect(ends).toEqual([`portal ${CONSOLE_CLOSE.revoked.code}`]);
  });
});
