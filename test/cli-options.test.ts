// The command line of `kubevdi operator` and `kubevdi portal`: --kubeconfig and --context as every
// Kubernetes CLI takes them, and the operator's other options with their defaults and refusals.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig, parseOperatorArgs, parsePortalArgs } from '../src/cli-options.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: prod
    cluster: { server: https://prod.example.com:6443 }
  - name: lab
    cluster: { server: https://lab.example.com:6443 }
users:
  - name: me
    user: { token: abc }
contexts:
  - name: prod
    context: { cluster: prod, user: me }
  - name: lab
    context: { cluster: lab, user: me }
current-context: prod
`;

let dir = '';
let file = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-cli-'));
  file = path.join(dir, 'config');
  await writeFile(file, KUBECONFIG);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('kubevdi operator options', () => {
  it('takes --kubeconfig and --context, and the defaults for the rest', () => {
    const args = parseOperatorArgs(['--kubeconfig', file, '--context', 'lab'], {});
    expect(args.kubeconfig).toEqual({ kubeconfig: file, context: 'lab' });
    expect(args.namespace).toBeUndefined();
    expect(args.health).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(args.leaderElection).toEqual({
      namespace: 'default',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(args.sessions).toEqual({ pollIntervalMs: 30_000, qps: 10 });
    expect(parseOperatorArgs(['--kubeconfig=/k', '--leader-elect=false'], {})).toMatchObject({
      kubeconfig: { kubeconfig: '/k' },
      leaderElection: undefined,
    });
    expect(parseOperatorArgs(['--namespace', 'vdi'], { POD_NAMESPACE: 'kubevdi-system' }).leaderElection).toMatchObject(
      { namespace: 'kubevdi-system' },
    );
  });

  it('refuses what it does not know, in words naming the option', () => {
    expect(() => parseOperatorArgs(['--kubeconfg', file], {})).toThrow(/Unknown option '--kubeconfg'/);
    expect(() => parseOperatorArgs(['--lease-duration', '15'], {})).toThrow(
      '--lease-duration must be seconds like "15s"',
    );
    expect(() => parseOperatorArgs(['--leader-elect', 'yes'], {})).toThrow('--leader-elect must be true or false');
    expect(() => parseOperatorArgs(['--health-addr', 'localhost'], {})).toThrow('--health-addr must be HOST:PORT');
  });

  it('takes a test clock only when asked (for tests only)', () => {
    expect(parseOperatorArgs([], {})).not.toHaveProperty('testClockFile');
    expect(parseOperatorArgs(['--test-clock-file', '/tmp/clock'], {}).testClockFile).toBe('/tmp/clock');
  });
});

describe('kubevdi portal options', () => {
  it('takes --kubeconfig and --context too', () => {
    expect(parsePortalArgs(['--kubeconfig', file, '--context', 'lab', '--listen', '127.0.0.1:9000'])).toMatchObject({
      kubeconfig: { kubeconfig: file, context: 'lab' },
      host: '127.0.0.1',
      port: 9000,
      consoleRecheckMs: 30_000,
      liveUpdates: { perPerson: 4, perPortal: 2000 },
    });
    expect(() => parsePortalArgs(['--event-streams-max', '0'])).toThrow(
      '--event-streams-max must be a whole number of at least 1, got "0"',
    );
  });
});

describe('loadKubeconfig', () => {
  it('loads the file given and uses its current context, or the one named', () => {
    expect(loadKubeconfig({ kubeconfig: file }).getCurrentCluster()?.server).toBe('https://prod.example.com:6443');
    expect(loadKubeconfig({ kubeconfig: file, context: 'lab' }).getCurrentCluster()?.server).toBe(
      'https://lab.example.com:6443',
    );
  });

  it('refuses a context the file does not have, naming those it has', () => {
    expect(() => loadKubeconfig({ kubeconfig: file, context: 'staging' })).toThrow(
      '--context staging: no such context in the kubeconfig (it has prod, lab)',
    );
  });
});
