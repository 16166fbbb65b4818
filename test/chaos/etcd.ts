// etcd's own compaction, through its JSON gateway (the control plane's etcd serves plain HTTP on
// loopback): everything before the current revision is dropped, so a watch or list from an older
// resourceVersion gets 410 Gone and must relist.

/** Compacts etcd at its current revision (physically); returns that revision. */
export async function compactEtcd(clientUrl: string): Promise<number> {
  const range = await post(`${clientUrl}/v3/kv/range`, { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number((range as { header?: { revision?: string } }).header?.revision);
  if (!Number.isSafeInteger(revision)) throw new Error(`etcd answered no revision: ${JSON.stringify(range)}`);
  await post(`${clientUrl}/v3/kv/compaction`, { revision: String(revision), physical: true });
  return revision;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The client URL from etcd's command line (--listen-client-urls=...). */
export function etcdClientUrl(args: readonly string[]): string {
  const flag = args.find((a) => a.startsWith('--listen-client-urls='));
  if (!flag) throw new Error('etcd has no --listen-client-urls');
  return flag.slice('--listen-client-urls='.length).split(',')[0] as string;
}
