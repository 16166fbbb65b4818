// Byte pipes between sockets: a client's TCP connection to a desktop and the unix socket of the
// server behind it (Xvnc's RFB, the RDP server's). Backpressure is the streams' own (pipe pauses
// the faster side); when either side ends or fails, the other follows.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Joins two sockets both ways; when one closes, the other is ended (what is in flight still
 * arrives) and destroyed a second later if its peer keeps it open. `onClose` runs once both are down.
 */
export function splice(a: Socket, b: Socket, onClose: () => void = () => {}): void {
  let open = 2;
  const follow = (closed: Socket, other: Socket) => {
    closed.once('close', () => {
      other.end();
      setTimeout(() => other.destroy(), 1000).unref();
      if (--open === 0) onClose();
    });
    // A broken connection: nothing more can usefully pass either way.
    closed.once('error', () => {
      closed.destroy();
      other.destroy();
    });
  };
  follow(a, b);
  follow(b, a);
  a.pipe(b);
  b.pipe(a);
}

/**
 * Connects to a unix socket that a server is about to listen on: retried while it does not exist
 * yet or refuses (bound, not yet listening), until `timeoutMs`, or until `gone()` says its server
 * exited.
 */
export async function connectUnix(path: string, timeoutMs: number, gone: () => string | undefined): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw err;
      const why = gone();
      if (why) throw new Error(`nothing listens on ${path}: ${why}`);
      if (Date.now() > deadline) throw new Error(`nothing listens on ${path} after ${timeoutMs} ms`);
      await sleep(25);
    }
  }
}
