// The "direct" path of the remote-desktop benchmark: the browser's RDP client (IronRDP) cannot open
// TCP, so the nearest it comes to connecting straight to the desktop is a bare RDCleanPath relay —
// built from the portal gateway's own parts (the request reader, the codec, the upstream's TCP +
// X.224 + TLS, the relay with its backpressure, and the same changes to the start of the client's
// connection, so the desktop sends the same pictures) and nothing else: no sign-in, no ticket, no
// access review, no guard, no connection record, no metrics, no Fastify. What the portal's path
// costs beyond this one is the gateway's own. Loopback only, for the benchmark: it connects
// wherever `?to=` says.
//
//   node --import tsx bench/remote/direct-relay.ts [--ca FILE]   prints `listening ws://127.0.0.1:PORT`,
//                                                                then `to-browser BYTES` as it relays
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { decodeRequest, encodeFailure, encodeResponse, GENERAL_ERROR } from '../../src/portal/console/rdcleanpath.js';
import { firstPdu } from '../../src/portal/console/rdcleanpath-request.js';
import { clientStart } from '../../src/portal/console/rdp-client-start.js';
import { splitAddress } from '../../src/portal/console/rdp-endpoint.js';
import { relayRdp } from '../../src/portal/console/rdp-relay.js';
import { openRdpUpstream } from '../../src/portal/console/rdp-upstream.js';
import { withoutRoutingCookie } from '../../src/portal/console/x224.js';

/** As the gateway's: browser frames (input, clipboard) stay far under this. */
const MAX_BROWSER_FRAME = 4 * 1024 * 1024;

const { values } = parseArgs({ options: { ca: { type: 'string' } } });
const ca = values.ca === undefined ? undefined : await readFile(values.ca, 'utf8');

/** Bytes relayed to browsers so far, printed every 250 ms while it grows (`to-browser N`), for the benchmark. */
let bytesToBrowser = 0;
let reported = 0;
setInterval(() => {
  if (bytesToBrowser === reported) return;
  reported = bytesToBrowser;
  process.stdout.write(`to-browser ${reported}\n`);
}, 250).unref();

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  maxPayload: MAX_BROWSER_FRAME,
});
wss.on('connection', (browser, request) => {
  void (async () => {
    const to = new URL(request.url ?? '/', 'ws://relay').searchParams.get('to') ?? '';
    try {
      const pdu = decodeRequest(await firstPdu(browser));
      const { host, port } = splitAddress(to);
      const upstream = await openRdpUpstream({
        host,
        port,
        x224ConnectionRequest: withoutRoutingCookie(pdu.x224ConnectionRequest),
        ...(pdu.preconnectionBlob === undefined ? {} : { preconnectionBlob: pdu.preconnectionBlob }),
        ...(ca === undefined ? {} : { ca }),
      });
      if (!upstream.ok) {
        process.stderr.write(`relay: ${upstream.detail}\n`);
        browser.send(encodeFailure(upstream.failure));
        return browser.close(1000);
      }
      browser.send(
        encodeResponse({
          x224ConnectionConfirm: upstream.x224ConnectionConfirm,
          serverCertificateChain: upstream.certificateChain,
          serverAddress: upstream.address,
        }),
      );
      // As the gateway starts a connection (rdp-gateway.ts): the benchmark's pool allows the
      // clipboard, so no channel is blocked there either; autologon and 32-bit colour as for anyone.
      const start = clientStart({ blockedChannels: [], autologon: true, trueColour: true });
      relayRdp(browser, upstream.tls, {
        toDesktop: (chunk) => start.push(chunk),
        refused: (err) => process.stderr.write(`relay: the connection's start: ${String(err)}\n`),
        carried: (_toDesktop, toBrowser) => {
          bytesToBrowser += toBrowser;
        },
      });
    } catch (err) {
      process.stderr.write(`relay: ${err instanceof Error ? err.message : String(err)}\n`);
      browser.send(encodeFailure({ code: GENERAL_ERROR, httpStatus: 400 }));
      browser.close(1000);
    }
  })();
});
wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected address ${address}`);
  process.stdout.write(`listening ws://127.0.0.1:${address.port}\n`);
});
// The benchmark holds our stdin: when it goes, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
