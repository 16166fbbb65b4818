// The container image runs what the integration tests start: `node dist/cli.js operator`, built by
// `npm run build`, with production dependencies only and as a non-root user. There is no Docker
// engine here, so the Dockerfile is read, and its final stage's layout (package.json, production
// node_modules, dist/) is put together in a temporary directory and run.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.js';
import { BUILD_CONFIG, buildDist, OPERATOR_ENTRYPOINT } from './support/build.js';

const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Enough of the Dockerfile syntax for ours: comments, line continuations, one instruction a line. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.split('\n').filter((line) => !/^\s*(#|$)/.test(line));
  const stages: Stage[] = [];
  for (const line of lines.join('\n').split(/(?<!\\)\n/)) {
    const [, op = '', args = ''] = /^\s*(\S+)\s*(.*)$/s.exec(line.replace(/\\\n/g, ' ')) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args: args.trim() });
    }
  }
  return stages;
}

const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);
const last = (stage: Stage, op: string) => all(stage, op).at(-1);

/** The exec form (a JSON array) of ENTRYPOINT or CMD; the shell form would need a shell. */
function execForm(args: string | undefined): string[] {
  const parsed: unknown = JSON.parse(args ?? 'null');
  if (!Array.isArray(parsed)) throw new Error(`not the exec form: ${args}`);
  return parsed as string[];
}

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}
function copies(stage: Stage): Copy[] {
  return all(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
  });
}

const workdir = (stage: Stage) => last(stage, 'WORKDIR') ?? '/';
const resolveIn = (stage: Stage, p: string) => path.posix.resolve(workdir(stage), p);

describe('the container image', async () => {
  const stages = parseDockerfile(await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1) as Stage;
  const stage = (name: string | undefined) => stages.find((s) => s.name === name);
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
  };

  it('every stage is Node 24', () => {
    expect(stages.length).toBeGreaterThan(1);
    for (const s of stages) expect(s.image).toMatch(/^(node:24-|gcr\.io\/distroless\/nodejs24-)/);
  });

  it('runs `node dist/cli.js operator`, the entry point the tests start and package.json names', async () => {
    const entrypoint = execForm(last(final, 'ENTRYPOINT'));
    const cmd = execForm(last(final, 'CMD'));
    expect(path.posix.basename(entrypoint[0] ?? '')).toBe('node');
    expect([...entrypoint.slice(1), ...cmd]).toEqual([OPERATOR_ENTRYPOINT, 'operator']);
    expect(pkg.bin.kubevdi).toBe(OPERATOR_ENTRYPOINT);
    // The tests' operator process: the same constant, spawned as `node <entry point> operator`.
    const harness = await readFile(path.join(REPO_ROOT, 'test/support/operator.ts'), 'utf8');
    expect(harness).toMatch(/spawn\(\s*process\.execPath,\s*\[\s*OPERATOR_ENTRYPOINT,\s*'operator',/);
  });

  it('runs as a non-root user, by number', () => {
    const [user, group] = (last(final, 'USER') ?? '').split(':');
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    if (group !== undefined) expect(Number(group)).toBeGreaterThan(0);
  });

  it('holds only package.json, production node_modules and the compiled dist/, and runs nothing', () => {
    // No RUN: the final stage has no shell and no npm, and nothing is installed into it.
    expect(all(final, 'RUN')).toEqual([]);
    const copied = copies(final);
    expect(copied.map((c) => resolveIn(final, c.dest)).sort()).toEqual(
      ['dist', 'node_modules', 'package.json'].map((p) => resolveIn(final, p)).sort(),
    );
    const byDest = new Map(copied.map((c) => [path.posix.basename(c.dest), c]));

    const modules = byDest.get('node_modules') as Copy;
    const deps = stage(modules.from) as Stage;
    expect(modules.sources).toEqual([resolveIn(deps, 'node_modules')]);
    const depsRuns = all(deps, 'RUN').join('\n');
    expect(depsRuns).toMatch(/npm ci .*--omit=dev/);
    expect(depsRuns).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/);

    const dist = byDest.get('dist') as Copy;
    const build = stage(dist.from) as Stage;
    expect(all(build, 'RUN')).toContain('npm run build');
    expect(dist.sources).toEqual([resolveIn(build, 'dist')]);
    // The entry point is inside the copied dist/.
    const entry = resolveIn(final, OPERATOR_ENTRYPOINT);
    expect(entry.startsWith(`${resolveIn(final, dist.dest)}/`)).toBe(true);
  });

  it('sends the build only what the stages copy: no node_modules, dist, tests or .git', async () => {
    const patterns = (await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(patterns[0]).toBe('*');
    const allowed = patterns.slice(1).map((p) => {
      expect(p.startsWith('!')).toBe(true);
      return p.slice(1).replace(/\/$/, '');
    });
    const fromContext = stages.flatMap((s) =>
      copies(s)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources.map((src) => path.posix.normalize(src).replace(/\/$/, ''))),
    );
    expect([...new Set(fromContext)].sort()).toEqual([...allowed].sort());
    for (const never of ['node_modules', 'dist', '.git', 'test', 'charts']) expect(allowed).not.toContain(never);
  });

  describe('built and run as the image lays it out', () => {
    let app = '';
    afterAll(async () => {
      if (app) await rm(app, { recursive: true, force: true });
    });

    it('`npm run build` emits src/ (only) to dist/, and `dist/cli.js help` runs with production dependencies only', {
      timeout: 120_000,
    }, async () => {
      // The operator and portal code, then the portal's browser bundles (into dist/portal/web).
      expect(pkg.scripts.build).toMatch(new RegExp(`^tsc -p ${BUILD_CONFIG}( && tsx src/portal/build-[a-z-]+\\.ts)*$`));
      const config = ts.getParsedCommandLineOfConfigFile(
        path.join(REPO_ROOT, BUILD_CONFIG),
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: () => {},
        },
      );
      expect(config?.options.outDir).toBe(path.join(REPO_ROOT, 'dist'));
      for (const file of config?.fileNames ?? []) expect(path.relative(REPO_ROOT, file)).toMatch(/^src\//);

      app = await mkdtemp(path.join(tmpdir(), 'kubevdi-image-'));
      const built = await buildDist(path.join(app, 'dist'));
      const emitted = built.emitted.map((f) => path.join('dist', path.relative(path.join(app, 'dist'), f)));
      expect(emitted).toContain(OPERATOR_ENTRYPOINT);
      for (const file of emitted) expect(file).toMatch(/^dist\/[^.]/);

      // The final stage: package.json, node_modules as `npm ci --omit=dev` leaves it, dist/. The
      // lockfile marks what only development needs; everything else is linked from ours.
      await copyFile(path.join(REPO_ROOT, 'package.json'), path.join(app, 'package.json'));
      const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean; link?: boolean }>;
      };
      let production = 0;
      for (const [key, entry] of Object.entries(lock.packages)) {
        const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key)?.[1];
        if (!name || entry.dev || entry.link) continue;
        const target = path.join(REPO_ROOT, 'node_modules', name);
        if (!(await stat(target).catch(() => undefined))) continue; // an optional one for another platform
        await mkdir(path.dirname(path.join(app, 'node_modules', name)), { recursive: true });
        await symlink(target, path.join(app, 'node_modules', name));
        production++;
      }
      expect(production).toBeGreaterThan(0);
      await expect(stat(path.join(app, 'node_modules/typescript'))).rejects.toThrow();

      const help = await run(process.execPath, [OPERATOR_ENTRYPOINT, 'help'], { cwd: app });
      expect(help.stdout).toContain('Usage: kubevdi <command> [options]');
      expect(help.stdout).toMatch(/^ {2}operator {3}Run the operator/m);
      // The operator command itself parses its options there (and refuses an unknown one).
      const refused = await run(process.execPath, [OPERATOR_ENTRYPOINT, 'operator', '--no-such-option'], {
        cwd: app,
      }).catch((err: { code: number; stderr: string }) => err);
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("Unknown option '--no-such-option'") });
    });
  });
});
