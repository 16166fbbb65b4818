// One desktop's graphical session: a real X display (TigerVNC's Xvnc, which is also its VNC
// server) with the desktop's colour on the root window, openbox and a terminal with a clock;
// and, once someone connects over RDP, FreeRDP's shadow server sharing that display. Started on
// first use, shared by every connection to the desktop, stopped as a whole: each program runs in a
// process group of its own (a terminal's shell goes with its terminal), tracked by the orphan guard
// so nothing outlives the simulator even when it is killed.
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessTracker } from '../../devcluster/process-group.js';
import { describeExit, ManagedProcess } from '../../process.js';
import { type DesktopIdentity, desktopLabel, rootArgs, terminalArgs, windowManagerArgs, xvncArgs } from './desktop.js';
import { type RdpSecurity, rdpServerArgs, writeRdpCertificate, writeSamFile, writeXrdpFiles } from './rdp.js';
import { xrdpCommand } from './xrdp.js';

export interface SessionSettings {
  rdp: RdpSecurity;
  /** Tracks every process group of the session (negative ids), for the orphan guard. */
  tracker: ProcessTracker;
  log(line: string): void;
  /** The session broke (its X server exited): the manager drops it; the next connection starts anew. */
  onBroken(session: DesktopSession): void;
}

interface Display {
  /** `:N` */
  display: string;
  vncSocket: string;
  env: NodeJS.ProcessEnv;
}

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2000;

export class SessionStopped extends Error {
  constructor(label: string) {
    super(`the session of ${label} was stopped`);
  }
}

export class DesktopSession {
  readonly label: string;
  private displayStarted: Promise<Display> | undefined;
  private rdpStarted: Promise<string> | undefined;
  private readonly processes = new Set<ManagedProcess>();
  private stopping: Promise<void> | undefined;

  constructor(
    readonly desktop: DesktopIdentity,
    /** The session's own directory (sockets, logs, the RDP server's configuration). */
    readonly dir: string,
    private readonly settings: SessionSettings,
  ) {
    this.label = desktopLabel(desktop.namespace, desktop.name);
  }

  /** The X display, started on first use; resolves with it once its root window has its colour. */
  display(): Promise<Display> {
    this.displayStarted ??= this.startDisplay().catch((err: unknown) => {
      this.displayStarted = undefined;
      throw err;
    });
    return this.displayStarted;
  }

  /** The path of the RDP server's unix socket, the server started on first use. */
  rdp(): Promise<string> {
    this.rdpStarted ??= (this.settings.rdp.server === 'xrdp' ? this.startXrdp() : this.startRdp()).catch(
      (err: unknown) => {
        this.rdpStarted = undefined;
        throw err;
      },
    );
    return this.rdpStarted;
  }

  /** Why the session cannot serve any more, if it cannot. */
  ended(): string | undefined {
    return this.stopping ? 'the session is stopping' : undefined;
  }

  /** The pids of its programs that still run (group leaders): for measurements and tests. */
  pids(): number[] {
    return [...this.processes].filter((p) => !p.exit).map((p) => p.pid);
  }

  /** Stops every program of the session (SIGTERM to each group, SIGKILL after 2 s) and removes its directory. */
  stop(why: string): Promise<void> {
    this.stopping ??= (async () => {
      const running = [...this.processes];
      await Promise.all(running.map((p) => p.stop(STOP_GRACE_MS)));
      await rm(this.dir, { recursive: true, force: true });
      if (running.length > 0) this.settings.log(`screen ${this.label}: stopped (${why})`);
    })();
    return this.stopping;
  }

  private async startDisplay(): Promise<Display> {
    const began = performance.now();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const vncSocket = path.join(this.dir, 'vnc.sock');
    const xvnc = await this.spawn('Xvnc', xvncArgs(this.label, vncSocket), process.env, true);
    // -displayfd 1: the display number, alone on a line, once the server accepts clients.
    const number = await xvnc.waitFor(
      (line) => (/^\d+$/.test(line.trim()) ? line.trim() : undefined),
      START_TIMEOUT_MS,
    );
    void xvnc.exited.then((exit) => {
      if (this.stopping) return;
      this.settings.log(
        `screen ${this.label}: Xvnc ${describeExit(exit)}; the session ends (log was ${xvnc.spec.logFile})`,
      );
      this.settings.onBroken(this);
    });
    const display = `:${number}`;
    const xdg = path.join(this.dir, 'config');
    const env = {
      ...process.env,
      DISPLAY: display,
      // The session's own settings, not the user's: openbox and xterm start from their defaults.
      HOME: this.dir,
      XDG_CONFIG_HOME: xdg,
      KUBEVDI_DESKTOP: this.label,
    };
    await this.run('xsetroot', rootArgs(this.label), env);
    this.settings.log(
      `screen ${this.label}: display ${display} (Xvnc pid ${xvnc.pid}) up in ${Math.round(performance.now() - began)} ms, in ${this.dir}`,
    );
    // The root window has its colour: connections may start. The desktop's programs follow.
    void this.startDesktop(env, began).catch((err: unknown) => {
      if (err instanceof SessionStopped) return;
      this.settings.log(`screen ${this.label}: the desktop's programs did not start: ${(err as Error).message}`);
    });
    return { display, vncSocket, env };
  }

  /** openbox, then (once it manages the screen) the terminal with the clock. */
  private async startDesktop(env: NodeJS.ProcessEnv, began: number): Promise<void> {
    const ready = path.join(this.dir, 'wm-ready');
    const openbox = await this.spawn('openbox', windowManagerArgs(ready), env);
    await this.waitForFile(ready, openbox);
    await this.spawn('xterm', terminalArgs(this.label), env);
    this.settings.log(
      `screen ${this.label}: openbox and xterm running ${Math.round(performance.now() - began)} ms after the session began`,
    );
  }

  /** Until `file` exists; fails if `program` exits first, the session stops or START_TIMEOUT_MS passes. */
  private async waitForFile(file: string, program: ManagedProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await exists(file))) {
      if (program.exit) throw program.failure(`${describeExit(program.exit)} before it was ready`);
      if (this.stopping) throw new SessionStopped(this.label);
      if (Date.now() > deadline) throw program.failure(`not ready (no ${file}) within ${START_TIMEOUT_MS} ms`);
      await sleep(20);
    }
  }

  private async startRdp(): Promise<string> {
    const { env } = await this.display();
    const began = performance.now();
    const socket = path.join(this.dir, 'rdp.sock');
    const { rdp } = this.settings;
    await writeRdpCertificate(env.XDG_CONFIG_HOME as string, this.desktop, rdp.ca);
    const samFile = rdp.credentials ? path.join(this.dir, 'rdp.sam') : undefined;
    if (samFile && rdp.credentials)
      await writeSamFile(samFile, rdp.credentials, (cmd, args) => this.run(cmd, args, env));
    const shadow = await this.spawn('freerdp-shadow-cli', rdpServerArgs(socket, samFile), env);
    // It says nothing when it listens: its socket appearing is the sign.
    await this.waitForFile(socket, shadow);
    void shadow.exited.then((exit) => {
      if (this.stopping) return;
      this.settings.log(
        `screen ${this.label}: the RDP server ${describeExit(exit)}; started again on the next connection`,
      );
      this.rdpStarted = undefined;
    });
    this.settings.log(
      `screen ${this.label}: RDP server (pid ${shadow.pid}, ${rdp.credentials ? 'TLS + CredSSP' : 'TLS'}${rdp.ca ? ', certificate from the desktop CA' : ', self-signed'}) up in ${Math.round(performance.now() - began)} ms`,
    );
    return socket;
  }

  /**
   * xrdp (xrdp.ts): it needs no Xvnc display, as its sessions have displays of their own. Its
   * namespace's processes go with the group's leader.
   */
  private async startXrdp(): Promise<string> {
    const began = performance.now();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const socket = await writeXrdpFiles(this.dir, this.desktop, this.settings.rdp.ca);
    const { command, args } = xrdpCommand(this.dir);
    const xrdp = await this.spawn(command, args, process.env, false, 'xrdp');
    await this.waitForFile(socket, xrdp);
    void xrdp.exited.then((exit) => {
      if (this.stopping) return;
      this.settings.log(`screen ${this.label}: xrdp ${describeExit(exit)}; started again on the next connection`);
      this.rdpStarted = undefined;
    });
    this.settings.log(
      `screen ${this.label}: RDP server xrdp (pid ${xrdp.pid}, TLS, the machine's accounts sign in${this.settings.rdp.ca ? ', certificate from the desktop CA' : ''}) up in ${Math.round(performance.now() - began)} ms`,
    );
    return socket;
  }

  /** A long-running program of the session, in a process group of its own, logging to the session's directory. */
  private async spawn(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    stdoutHere = false,
    /** What the log calls it, when not its command. */
    called = command,
  ): Promise<ManagedProcess> {
    if (this.stopping) throw new SessionStopped(this.label);
    const started = await ManagedProcess.spawn(command, args, {
      name: `${called} of ${this.label}`,
      cwd: this.dir,
      env,
      group: true,
      logFile: path.join(this.dir, `${called}.log`),
      stdoutHere,
    });
    this.settings.tracker.track(-started.pid);
    this.processes.add(started);
    void started.exited.then(async (exit) => {
      if (!this.stopping && command !== 'Xvnc') {
        this.settings.log(`screen ${this.label}: ${called} ${describeExit(exit)}: ${started.tail(600).trim()}`);
      }
      await started.stop(); // whatever of its group is left
      this.settings.tracker.untrack(-started.pid);
    });
    if (this.stopping) {
      await started.stop(STOP_GRACE_MS);
      throw new SessionStopped(this.label);
    }
    return started;
  }

  /** A short program (xsetroot, winpr-hash): resolves with its output once it exited 0. */
  private async run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
    if (this.stopping) throw new SessionStopped(this.label);
    const child = await ManagedProcess.spawn(command, args, {
      name: `${command} of ${this.label}`,
      cwd: this.dir,
      env,
    });
    const exit = await Promise.race([child.exited, sleep(START_TIMEOUT_MS, undefined, { ref: false })]);
    if (!exit) {
      await child.kill();
      throw child.failure(`did not finish within ${START_TIMEOUT_MS} ms`);
    }
    if (exit.code !== 0) throw child.failure(describeExit(exit));
    return child.lines();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
