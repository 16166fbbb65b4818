// A process of ours, the one way the local environment, the tests and the benchmarks run one: the
// control plane's servers, the KubeVirt simulator, the operator and the portal. Its output goes to
// a log file or comes here line by line; the line that says it is ready can be waited for; it is
// stopped with SIGTERM and, if it lingers, SIGKILL; and whatever still runs when we exit is killed.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A failure of one of our processes, carrying the end of its log for the reader (and for retries). */
export class ProcessError extends Error {
  constructor(
    message: string,
    readonly logFile: string | undefined,
    readonly logTail: string,
  ) {
    super(`${message}\n${logFile ? `  full log: ${logFile}\n` : ''}  last lines:\n${indent(logTail)}`);
    this.name = 'ProcessError';
  }
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  /** Default: ours. */
  cwd?: string;
  /** Default: ours. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where its stdout and stderr go, written by the child itself: a busy (or stopped) parent never
   * holds it up. Without it both come here, line by line: see lines(), tail() and onLine.
   */
  logFile?: string;
  /** With logFile: stdout still comes here (for a ready line, see waitFor); only stderr goes to the log. */
  stdoutHere?: boolean;
  /** Each line of output that comes here, as it comes. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How many of the last lines that came here lines() keeps (default 500). */
  keepLines?: number;
  /** Its stdin a pipe we hold: a child that ends when its stdin closes then dies with us, however we end. */
  stdinPipe?: boolean;
  /**
   * Its own process group, and not holding our event loop: a terminal's Ctrl-C then reaches only
   * us, and we stop it ourselves (the control plane's servers, in the order that doesn't hang).
   */
  detached?: boolean;
  /**
   * Detached, and every signal (kill, stop, the exit hook) goes to its whole process group: for a
   * program whose own children must go with it (a terminal's shell, a desktop session's helpers).
   */
  group?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Every process we started and that is still running, for the last-resort kill on 'exit'.
const running = new Map<ChildProcess, ProcessSpec>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: no ordered shutdown is possible here, so SIGKILL (which
  // also cannot hang the API server on a vanished etcd). Orderly stops happen in stop().
  process.on('exit', () => {
    for (const [child, spec] of running) signal(child, spec, 'SIGKILL');
  });
}

export class ManagedProcess {
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  /** After the exit, once its output has all come here (what a failure should quote). */
  private readonly closed: Promise<void>;
  private readonly kept: string[] = [];
  private readonly lineWaiters = new Set<(line: string) => void>();

  private constructor(
    readonly spec: ProcessSpec,
    readonly child: ChildProcess,
  ) {
    running.set(child, spec);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    // Read from the first byte on: a ready line printed at once must not be missed.
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = child[stream];
      if (!readable) continue;
      readable.setEncoding('utf8');
      let buffer = '';
      readable.on('data', (chunk: string) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
          this.line(buffer.slice(0, i), stream);
          buffer = buffer.slice(i + 1);
        }
      });
      readable.once('end', () => {
        if (buffer) this.line(buffer, stream);
      });
    }
  }

  /** `spawn(command, args, options)` as node:child_process has it, for a process of ours. */
  static spawn(
    command: string,
    args: string[],
    options: Omit<ProcessSpec, 'command' | 'args'>,
  ): Promise<ManagedProcess> {
    return ManagedProcess.start({ ...options, command, args });
  }

  /** Spawns the process and resolves once it runs (rejects if the binary can't be executed). */
  static async start(spec: ProcessSpec, options: { appendLog?: boolean } = {}): Promise<ManagedProcess> {
    installExitHook();
    let fd: number | undefined;
    if (spec.logFile) {
      // A fresh log per start (a restart goes on in the same one), headed by the command line, so
      // it can be rerun by hand.
      const header = `$ ${spec.command} ${spec.args.join(' ')}\n`;
      if (options.appendLog) appendFileSync(spec.logFile, `\n${header}`);
      else writeFileSync(spec.logFile, header);
      fd = openSync(spec.logFile, 'a');
    }
    try {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        stdio: [spec.stdinPipe ? 'pipe' : 'ignore', fd === undefined || spec.stdoutHere ? 'pipe' : fd, fd ?? 'pipe'],
        detached: (spec.detached || spec.group) ?? false,
      });
      // Don't keep the caller's event loop alive just because a server runs; stop() or the
      // exit hook and the orphan guard take care of it.
      if (spec.detached || spec.group) child.unref();
      const started = new ManagedProcess(spec, child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (err) => {
          running.delete(child);
          reject(new Error(`cannot start ${spec.name} (${spec.command}): ${err.message}`));
        });
      });
      return started;
    } finally {
      if (fd !== undefined) closeSync(fd); // the child holds its own copy
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The last lines of output that came here (not those written to the log file), oldest first. */
  lines(): string[] {
    return [...this.kept];
  }

  /**
   * What `match` makes of the first line of output (of those that come here) it returns a value
   * for: how a process says it is ready, and often where. Rejects, quoting the end of its output,
   * if the process exits first or nothing matched within `timeoutMs` (default, or Infinity: no limit).
   */
  waitFor<T>(match: (line: string) => T | undefined, timeoutMs?: number): Promise<T> {
    for (const line of this.kept) {
      const found = match(line);
      if (found !== undefined) return Promise.resolve(found);
    }
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        this.lineWaiters.delete(waiter);
        clearTimeout(timer);
      };
      const waiter = (line: string) => {
        const found = match(line);
        if (found === undefined) return;
        done();
        resolve(found);
      };
      this.lineWaiters.add(waiter);
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          done();
          reject(this.failure(`not ready after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      void this.exited.then(async (exit) => {
        // Its last words may still be in the pipe; a child of its own holding it must not hang us.
        await Promise.race([this.closed, sleep(1000, undefined, { ref: false })]);
        if (!this.lineWaiters.has(waiter)) return;
        done();
        reject(this.failure(`${describeExit(exit)} before it was ready`));
      });
    });
  }

  /** The end of its output: of the log file when it has one, else of the lines that came here. */
  tail(bytes = 4000): string {
    if (!this.spec.logFile) {
      const text = this.kept.join('\n');
      return text.length > bytes ? text.slice(-bytes).replace(/^[^\n]*\n/, '') : text;
    }
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

  /** Sends `sig` (default SIGKILL, as a crash would) and resolves with how the process ended. */
  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.ref(); // keep the event loop alive until the process is really gone
    signal(this.child, this.spec, sig);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exit) return this.sweepGroup();
    this.child.ref();
    signal(this.child, this.spec, 'SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (!exited) {
      signal(this.child, this.spec, 'SIGKILL');
      await this.exited;
    }
    this.sweepGroup();
  }

  /** With `group`: whatever of its group outlived the leader (a child that ignored SIGTERM) goes too. */
  private sweepGroup(): void {
    if (!this.spec.group) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // ESRCH: nobody left.
    }
  }

  private line(line: string, stream: 'stdout' | 'stderr'): void {
    this.kept.push(line);
    if (this.kept.length > (this.spec.keepLines ?? 500)) this.kept.shift();
    this.spec.onLine?.(line, stream);
    for (const waiter of this.lineWaiters) waiter(line);
  }
}

function signal(child: ChildProcess, spec: ProcessSpec, sig: NodeJS.Signals): void {
  if (spec.group && child.pid !== undefined) {
    try {
      process.kill(-child.pid, sig);
      return;
    } catch {
      // The group is gone already (or never formed): the leader itself, below.
    }
  }
  child.kill(sig);
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

/** How a process ended, short: `exit <code>` or the signal's name (`SIGKILL`). */
export function exitCodeOrSignal(exit: Exit): string {
  return exit.signal ?? `exit ${exit.code}`;
}
