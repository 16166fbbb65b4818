// The one way we run a process of ours (the control plane's servers, the simulator, the operator,
// the portal): its output, the line that says it is ready, and how it ended.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeOrSignal, ManagedProcess } from '../../local/process.js';

const node = (name: string, script: string, options: Partial<Parameters<typeof ManagedProcess.spawn>[2]> = {}) =>
  ManagedProcess.spawn(process.execPath, ['-e', script], { name, ...options });

let dir = '';
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a process of ours', () => {
  it('gives what its ready line says, even when the line came before anyone asked', async () => {
    const seen: string[] = [];
    const proc = await node(
      'server',
      'console.log("starting"); console.log("listening on 1234"); setInterval(() => {}, 1000)',
      {
        onLine: (line, stream) => seen.push(`${stream}: ${line}`),
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await proc.waitFor((line) => /listening on (\d+)/.exec(line)?.[1], 5000)).toBe('1234');
    expect(seen).toEqual(['stdout: starting', 'stdout: listening on 1234']);
    expect(exitCodeOrSignal(await proc.kill('SIGTERM'))).toBe('SIGTERM');
  });

  it('fails with its last words when it exits before it is ready', async () => {
    const proc = await node('broken', 'console.error("no config"); process.exit(3)');
    await expect(proc.waitFor((line) => (line === 'ready' ? true : undefined))).rejects.toThrow(
      /broken exited with code 3 before it was ready\n {2}last lines:\n {4}no config/,
    );
    expect(exitCodeOrSignal(await proc.exited)).toBe('exit 3');
  });

  it('fails when the ready line does not come in time, and stop() ends it', async () => {
    const proc = await node('slow', 'setInterval(() => {}, 1000)');
    await expect(proc.waitFor(() => undefined, 200)).rejects.toThrow(/slow not ready after 200 ms/);
    await proc.stop(2000);
    expect(proc.exit).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('writes stderr to its log file, headed by the command line, while stdout comes here for the ready line', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-process-'));
    const logFile = path.join(dir, 'sim.log');
    const proc = await node('sim', 'console.error("a log line"); console.log("ready"); setInterval(() => {}, 1000)', {
      logFile,
      stdoutHere: true,
    });
    await proc.waitFor((line) => (line === 'ready' ? true : undefined), 5000);
    await proc.stop();
    const log = await readFile(logFile, 'utf8');
    expect(log.startsWith(`$ ${process.execPath} -e `)).toBe(true);
    expect(log).toContain('a log line\n');
    expect(log.split('\n')).not.toContain('ready');
    expect(proc.tail()).toContain('a log line');
  });

  it('ends with us when it reads its stdin, however we end', async () => {
    const proc = await node('reader', 'process.stdin.resume(); process.stdin.on("end", () => process.exit(0))', {
      stdinPipe: true,
    });
    proc.child.stdin?.end();
    expect(exitCodeOrSignal(await proc.exited)).toBe('exit 0');
  });
});
