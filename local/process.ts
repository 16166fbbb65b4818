// A server process of the control plane: output to a log file, exit tracked, stopped with
// SIGTERM and, if it lingers, SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A failure of one of our processes, carrying the end of its log for the reader (and for retries). */
export class ProcessError extends Error {
  constructor(
    message: string,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(`${message}\n  full log: ${logFile}\n  last lines:\n${indent(logTail)}`);
    this.name = 'ProcessError';
  }
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Every process we started and that is still running, for the last-resort kill on 'exit'.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: no ordered shutdown is possible here, so SIGKILL (which
  // also cannot hang the API server on a vanished etcd). Orderly stops happen in stop().
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export class ManagedProcess {
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;

  private constructor(
    readonly spec: ProcessSpec,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Spawns the process and resolves once it runs (rejects if the binary can't be executed). */
  static async start(spec: ProcessSpec, options: { appendLog?: boolean } = {}): Promise<ManagedProcess> {
    installExitHook();
    // A fresh log per start (a restart goes on in the same one), headed by the command line, so it
    // can be rerun by hand.
    const header = `$ ${spec.command} ${spec.args.join(' ')}\n`;
    if (options.appendLog) appendFileSync(spec.logFile, `\n${header}`);
    else writeFileSync(spec.logFile, header);
    const fd = openSync(spec.logFile, 'a');
    try {
      const child = spawn(spec.command, spec.args, {
        stdio: ['ignore', fd, fd],
        // Its own process group: a terminal's Ctrl-C then reaches only us, and we stop the
        // servers in the order that doesn't hang (etcd last) instead of all at once.
        detached: true,
      });
      // Don't keep the caller's event loop alive just because a server runs; stop() or the
      // exit hook and the orphan guard take care of it.
      child.unref();
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (err) => reject(new Error(`cannot start ${spec.name} (${spec.command}): ${err.message}`)));
      });
      return new ManagedProcess(spec, child);
    } finally {
      closeSync(fd); // the child holds its own copy
    }
  }

  /** The end of the log, for error messages. */
  tail(bytes = 4000): string {
    try {
      const fd = openSync(this.spec.logFile, 'r');
      try {
        const size = fstatSync(fd).size;
        const buffer = Buffer.alloc(Math.min(bytes, size));
        const n = readSync(fd, buffer, 0, buffer.length, size - buffer.length);
        const text = buffer.subarray(0, n).toString('utf8');
        // Starting mid-file, the first line is probably partial.
        return size > bytes ? text.replace(/^[^\n]*\n/, '') : text;
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      return `(log unreadable: ${(err as Error).message})`;
    }
  }

  failure(message: string): ProcessError {
    return new ProcessError(`${this.spec.name} ${message}`, this.spec.logFile, this.tail());
  }

  /** SIGKILL, as a crash would. Resolves when the process is gone. */
  async kill(): Promise<void> {
    if (this.exit) return;
    this.child.ref();
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exit) return;
    this.child.ref(); // keep the event loop alive until the process is really gone
    this.child.kill('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (!exited) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Someone who must know which processes run, e.g. the OrphanGuard. */
export interface ProcessTracker {
  track(pid: number): void;
  untrack(pid: number): void;
}

/** Processes started in dependency order and stopped in reverse (etcd last). */
export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];
  /** Stopped on purpose to be started again: their exit does not end the group. */
  private readonly restarting = new Set<ManagedProcess>();
  private endWith: (why: string) => void = () => {};
  private readonly ended = new Promise<string>((resolve) => {
    this.endWith = resolve;
  });

  constructor(private readonly tracker: ProcessTracker) {}

  async start(spec: ProcessSpec): Promise<ManagedProcess> {
    const started = await ManagedProcess.start(spec);
    this.add(started);
    this.processes.push(started);
    return started;
  }

  /** Resolves when the first of the processes exits (a restart aside), saying which and how. */
  firstExit(): Promise<string> {
    return this.ended;
  }

  /**
   * Stops the running process named `name` (SIGTERM, or SIGKILL as a crash would) and starts it
   * again from the same spec in its place — same port, same data — for fault tests: the group
   * stays whole. Resolves with the new process once it runs (not yet serving).
   */
  async restart(name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<ManagedProcess> {
    const index = this.processes.findIndex((p) => p.spec.name === name && !p.exit);
    const old = this.processes[index];
    if (!old) throw new Error(`no running process named ${name}`);
    this.restarting.add(old);
    await (signal === 'SIGKILL' ? old.kill() : old.stop());
    this.tracker.untrack(old.pid);
    const fresh = await ManagedProcess.start(old.spec, { appendLog: true });
    this.add(fresh);
    this.processes[index] = fresh;
    return fresh;
  }

  /** One at a time: the API server must see etcd while it shuts down, or it hangs. */
  async stopAll(): Promise<void> {
    for (let next = this.processes.pop(); next; next = this.processes.pop()) {
      await next.stop();
      this.tracker.untrack(next.pid);
    }
  }

  private add(process: ManagedProcess): void {
    this.tracker.track(process.pid);
    void process.exited.then((exit) => {
      if (!this.restarting.has(process))
        this.endWith(`${process.spec.name} ${describeExit(exit)} (log: ${process.spec.logFile})`);
    });
  }
}
