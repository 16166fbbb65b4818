// A cross-process lock on a file, so two test runs (or a test run and `kubevdi dev`) never
// build the same binaries at once. A lock left by a process that died is taken over.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(file, 'utf8').catch(() => ''));
      if (!holder || !isAlive(holder)) {
        await rm(file, { force: true });
        continue;
      }
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
