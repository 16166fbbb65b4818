// etcd for the API server: one member on loopback, plain HTTP (nothing else can reach it), and
// without fsync: the data is thrown away anyway, and fsync dominates etcd's latency on CI disks.
import { mkdir, rm } from 'node:fs/promises';
import type { ManagedProcess, ProcessSpec } from '../process.js';
import { get } from './http.js';
import { waitFor } from './wait.js';

export interface EtcdOptions {
  binary: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  logFile: string;
}

const MEMBER = 'kubevdi-dev';

export function etcdClientUrl(options: EtcdOptions): string {
  return `http://127.0.0.1:${options.clientPort}`;
}

/** Empties the data dir and returns how to run etcd on it. */
export async function prepareEtcd(options: EtcdOptions): Promise<ProcessSpec> {
  // Always a fresh cluster: a data dir from an earlier run remembers other ports and objects.
  await rm(options.dataDir, { recursive: true, force: true });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const clientUrl = etcdClientUrl(options);
  const peerUrl = `http://127.0.0.1:${options.peerPort}`;
  return {
    name: 'etcd',
    command: options.binary,
    logFile: options.logFile,
    args: [
      `--name=${MEMBER}`,
      `--data-dir=${options.dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${MEMBER}=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  };
}

export async function waitForEtcd(clientUrl: string, server: ManagedProcess, timeoutMs: number): Promise<void> {
  await waitFor(
    `etcd health at ${clientUrl}/health`,
    async () => {
      const { status, body } = await get(`${clientUrl}/health`, undefined, 2000);
      if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
      return JSON.parse(body).health === 'true' ? true : undefined;
    },
    { timeoutMs, intervalMs: 50, process: server },
  );
}
