// Starts the KubeVirt simulator (main.ts) as a child process for a test, and stops it again.
//
//   const sim = await startSimulator({ kubeconfig: inject('cluster').adminKubeconfig, namespace: ns });
//   ...
//   await sim.stop();
//
// The child is killed when stop() is called, when this process exits, and (through its stdin) when
// this process dies without exiting cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SimulatorOptions {
  kubeconfig: string;
  /** Only this namespace (recommended: two simulators on one namespace fight over it). */
  namespace?: string;
  /**
   * Only namespaces whose name starts with this, e.g. all of one test file's namespaces. Starting the
   * simulator takes seconds (loading client-node), so one per file is cheaper than one per test.
   */
  namespacePrefix?: string;
  bootDelayMs?: number;
  stopDelayMs?: number;
  cloneDelayMs?: number;
  /** Crash-loop backoff unit (KubeVirt: 10 s); the n-th consecutive failure waits about n² units. */
  crashLoopBackoffMs?: number;
  nodeName?: string;
  /** KubeVirt's finalizers on VMs and VMIs (default true, as upstream). */
  finalizers?: boolean;
  /** Persist a firmware UUID into VMs without one, as virt-controller does (default true). */
  firmwareUUID?: boolean;
  /** Receives each log line of the simulator; default: kept (see logs()), and echoed to stderr when SIMULATOR_LOG is set. */
  onLog?: (line: string) => void;
  /** How long to wait for `simulator ready` (default 30 s). */
  readyTimeoutMs?: number;
}

export interface Simulator {
  readonly pid: number;
  /** The last log lines (up to 500). */
  logs(): string[];
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const args = [MAIN, '--kubeconfig', opts.kubeconfig, '--exit-on-stdin-close'];
  if (opts.namespace) args.push('--namespace', opts.namespace);
  if (opts.namespacePrefix) args.push('--namespace-prefix', opts.namespacePrefix);
  if (opts.bootDelayMs !== undefined) args.push('--boot-delay-ms', String(opts.bootDelayMs));
  if (opts.stopDelayMs !== undefined) args.push('--stop-delay-ms', String(opts.stopDelayMs));
  if (opts.cloneDelayMs !== undefined) args.push('--clone-delay-ms', String(opts.cloneDelayMs));
  if (opts.crashLoopBackoffMs !== undefined) args.push('--crash-loop-backoff-ms', String(opts.crashLoopBackoffMs));
  if (opts.nodeName) args.push('--node-name', opts.nodeName);
  if (opts.finalizers === false) args.push('--no-finalizers');
  if (opts.firmwareUUID === false) args.push('--no-firmware-uuid');

  // `--import tsx` resolves tsx from the working directory: the repository's node_modules.
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? -1;

  const lines: string[] = [];
  const echo = process.env.SIMULATOR_LOG ? (l: string) => process.stderr.write(`[simulator] ${l}\n`) : undefined;
  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > 500) lines.shift();
    (opts.onLog ?? echo)?.(line);
  };
  splitLines(child, 'stderr', onLine);

  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let ready = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`simulator not ready after ${opts.readyTimeoutMs ?? 30_000} ms`)),
        opts.readyTimeoutMs ?? 30_000,
      );
      splitLines(child, 'stdout', (line) => {
        if (line.trim() !== 'simulator ready') return;
        clearTimeout(timer);
        resolve();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited (${how}) before it was ready`));
      });
    });
    ready = true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n${lines.join('\n')}`);
  } finally {
    if (!ready) {
      child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    pid,
    logs: () => [...lines],
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
      })();
      return stopped;
    },
  };
}

function splitLines(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  let buffer = '';
  child[stream]?.setEncoding('utf8');
  child[stream]?.on('data', (chunk: string) => {
    buffer += chunk;
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
  });
}
