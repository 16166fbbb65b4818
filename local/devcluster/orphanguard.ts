// Makes sure no etcd or kube-apiserver outlives us, even if we die by SIGKILL or a crash (where
// no 'exit' handler runs). Linux can't tie a child's life to a Node parent (no
// PR_SET_PDEATHSIG from Node), so a tiny detached Node process holds the read end of a pipe
// from us: when that pipe closes without a "done" line, we are gone, and it stops the servers
// newest first (etcd last: the other order hangs the API server) and removes the work directory.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

// Plain JavaScript for `node -e`: it must run without tsx or any loader.
const GUARD_SCRIPT = `
const fs = require('node:fs');
const pids = [];
let removeDir;
let done = false;
let pending = '';
// Our servers are orphans by now: a zombie waits for init to reap it (some inits take seconds),
// and counts as gone. /proc tells zombies apart on Linux; elsewhere kill(0) must do.
const zombie = (pid) => {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); // "pid (comm) STATE ..."
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
};
const alive = (pid) => { try { process.kill(pid, 0); } catch { return false; } return !zombie(pid); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function stop(pid) {
  if (!alive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch {}
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch {}
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const space = line.indexOf(' ');
    const verb = space < 0 ? line : line.slice(0, space);
    const arg = space < 0 ? '' : line.slice(space + 1);
    if (verb === 'pid') pids.push(Number(arg));
    else if (verb === 'gone') { const i = pids.indexOf(Number(arg)); if (i >= 0) pids.splice(i, 1); }
    else if (verb === 'rm') removeDir = arg;
    else if (verb === 'done') done = true;
  }
});
async function cleanUp() {
  if (done) process.exit(0);
  for (const pid of pids.reverse()) await stop(pid);
  if (removeDir) fs.rmSync(removeDir, { recursive: true, force: true });
  process.exit(0);
}
process.stdin.on('end', cleanUp);
process.stdin.on('error', cleanUp);
`;

export class OrphanGuard {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<OrphanGuard> {
    const { NODE_OPTIONS: _loaders, ...env } = process.env; // no tsx/vitest hooks in a plain script
    const child = spawn(process.execPath, ['-e', GUARD_SCRIPT], {
      env,
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // survives the Ctrl-C that our process group receives
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot start the orphan guard: ${err.message}`)));
    });
    // Neither the guard nor its pipe may keep our event loop alive.
    child.unref();
    (child.stdin as Socket).unref();
    return new OrphanGuard(child);
  }

  /** Processes are stopped in reverse order of tracking. */
  track(pid: number): void {
    this.send(`pid ${pid}`);
  }

  untrack(pid: number): void {
    this.send(`gone ${pid}`);
  }

  removeOnOrphan(dir: string): void {
    this.send(`rm ${dir}`);
  }

  /** We cleaned up ourselves: the guard exits without touching anything. */
  release(): void {
    this.send('done');
    this.child.stdin?.end();
  }

  private send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }
}
