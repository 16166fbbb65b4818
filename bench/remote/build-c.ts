// The benchmark's small X programs (testpattern.c on the desktop, probe.c beside a native client),
// built with the C compiler once per version of their source: cached by its hash beside the control
// plane's binaries. The compiler and the headers come from scripts/install-desktop-tools.sh.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../../local/devcluster/binaries.js';

const run = promisify(execFile);

/** `bench/remote/<name>.c` compiled and linked with `libraries`; resolves with the binary's path. */
export async function buildProgram(name: string, libraries: string[]): Promise<string> {
  const source = path.join(import.meta.dirname, `${name}.c`);
  const hash = createHash('sha256')
    .update(await readFile(source))
    .digest('hex')
    .slice(0, 16);
  const binary = path.join(cacheRoot(), 'bench', `${name}-${hash}`);
  const built = await access(binary).then(
    () => true,
    () => false,
  );
  if (built) return binary;
  await mkdir(path.dirname(binary), { recursive: true });
  // Built aside and renamed: two runs at once never run a half-written binary.
  const temp = `${binary}.${process.pid}.tmp`;
  await run('cc', ['-O2', '-Wall', '-o', temp, source, ...libraries.map((l) => `-l${l}`)]).catch(
    (err: Error & { stderr?: string }) => {
      throw new Error(
        `cannot build ${source}: ${err.stderr || err.message}\nscripts/install-desktop-tools.sh installs the compiler and the X headers`,
      );
    },
  );
  await rename(temp, binary);
  return binary;
}
