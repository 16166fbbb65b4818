// A control plane's servers as a group: the first exit ends it (the others are then stopped), except
// a restart asked for on purpose (fault tests), which puts a new process in the old one's place.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessGroup } from '../../local/devcluster/process-group.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const tracked = new Set<number>();
const tracker = { track: (pid: number) => tracked.add(pid), untrack: (pid: number) => tracked.delete(pid) };

async function sleeper(name: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-process-'));
  dirs.push(dir);
  return { name, command: 'sleep', args: ['600'], logFile: path.join(dir, `${name}.log`) };
}

describe('a group of server processes', () => {
  it('stays whole through a restart, with a new process in the old one’s place, and ends at the next exit', async () => {
    const group = new ProcessGroup(tracker);
    const spec = await sleeper('server');
    const first = await group.start(spec);
    let ended: string | undefined;
    void group.firstExit().then((why) => {
      ended = why;
    });

    const second = await group.restart('server', 'SIGKILL');
    expect(first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(second.pid).not.toBe(first.pid);
    expect(second.exit).toBeUndefined();
    expect([...tracked]).toEqual([second.pid]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toBeUndefined();
    // The log goes on: both command lines are in it.
    expect((await readFile(spec.logFile, 'utf8')).match(/\$ sleep 600/g)).toHaveLength(2);

    await group.restart('server');
    await group.stopAll();
    expect(await group.firstExit()).toMatch(/^server was killed by SIGTERM/);
    expect(tracked.size).toBe(0);
  });

  it('refuses to restart a process it does not run', async () => {
    await expect(new ProcessGroup(tracker).restart('etcd')).rejects.toThrow('no running process named etcd');
  });
});
