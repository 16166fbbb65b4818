// The control plane's servers as a group: started in dependency order, stopped in reverse (etcd
// last), each in its own process group, and the first exit of one ends the group.
import { describeExit, ManagedProcess, type ProcessSpec } from '../process.js';

/** Someone who must know which processes run, e.g. the OrphanGuard. */
export interface ProcessTracker {
  track(pid: number): void;
  untrack(pid: number): void;
}

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
    const started = await ManagedProcess.start({ ...spec, detached: true });
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
