// The desktops' sessions: one per VMI, started when the first connection comes (VNC through virt-api,
// or RDP), shared by every connection to that desktop, and stopped when the VMI stops, when the
// simulator stops, and after `idleMs` without any connection — so a pool of thousands of desktops
// costs nothing until someone looks at one. The sessions' processes are tracked by an orphan guard:
// if the simulator dies without cleaning up (SIGKILL), the guard stops them and removes their files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OrphanGuard } from '../../devcluster/orphanguard.js';
import type { DesktopIdentity } from './desktop.js';
import type { RdpSecurity } from './rdp.js';
import { DesktopSession } from './session.js';

export interface ScreensOptions {
  /** How long a session stays up without a connection (default 60 s). */
  idleMs?: number;
  rdp?: RdpSecurity;
  log(line: string): void;
}

export const DEFAULT_IDLE_MS = 60_000;

/** One connection's hold on a session: release it when the connection ends. */
export interface Lease {
  session: DesktopSession;
  release(): void;
}

interface Entry {
  session: DesktopSession;
  connections: number;
  idle: NodeJS.Timeout | undefined;
}

export class Screens {
  private readonly sessions = new Map<string, Entry>();
  private started: Promise<{ root: string; guard: OrphanGuard }> | undefined;
  private closed = false;

  constructor(private readonly options: ScreensOptions) {}

  /** A connection to the desktop's screen: its session (started on first use, if not already). */
  async acquire(desktop: DesktopIdentity): Promise<Lease> {
    const { root, guard } = await this.start();
    if (this.closed) throw new Error('the simulator is stopping');
    let entry = this.sessions.get(desktop.uid);
    if (!entry) {
      const session = new DesktopSession(desktop, path.join(root, desktop.uid), {
        rdp: this.options.rdp ?? {},
        tracker: guard,
        log: this.options.log,
        onBroken: (broken) => void this.stopSession(broken, 'it broke'),
      });
      entry = { session, connections: 0, idle: undefined };
      this.sessions.set(desktop.uid, entry);
    }
    const held = entry;
    held.connections++;
    clearTimeout(held.idle);
    held.idle = undefined;
    let released = false;
    return {
      session: held.session,
      release: () => {
        if (released) return;
        released = true;
        held.connections--;
        if (held.connections > 0 || this.sessions.get(desktop.uid) !== held) return;
        const idleMs = this.options.idleMs ?? DEFAULT_IDLE_MS;
        held.idle = setTimeout(
          () => void this.stopSession(held.session, `no connection for ${Math.round(idleMs / 1000)} s`),
          idleMs,
        );
        held.idle.unref();
      },
    };
  }

  /** The running session of a desktop, if it has one (for measurements and tests). */
  session(uid: string): DesktopSession | undefined {
    return this.sessions.get(uid)?.session;
  }

  /** Stops the desktop's session, if it has one: its VMI stopped. */
  async stop(uid: string, why: string): Promise<void> {
    const entry = this.sessions.get(uid);
    if (entry) await this.stopSession(entry.session, why);
  }

  /** Stops every session and the guard: the simulator is stopping. */
  async stopAll(why: string): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.values()].map((e) => this.stopSession(e.session, why)));
    const started = await this.started?.catch(() => undefined);
    if (!started) return;
    await rm(started.root, { recursive: true, force: true });
    started.guard.release();
  }

  private async stopSession(session: DesktopSession, why: string): Promise<void> {
    const entry = this.sessions.get(session.desktop.uid);
    if (entry?.session === session) {
      clearTimeout(entry.idle);
      this.sessions.delete(session.desktop.uid);
    }
    await session.stop(why);
  }

  /** The sessions' directory and the orphan guard, made when the first session starts. */
  private start(): Promise<{ root: string; guard: OrphanGuard }> {
    this.started ??= (async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'kubevdi-screens-'));
      const guard = await OrphanGuard.start();
      guard.removeOnOrphan(root);
      return { root, guard };
    })();
    return this.started;
  }
}
