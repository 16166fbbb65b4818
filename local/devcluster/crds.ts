// Installs CustomResourceDefinitions from directories of YAML and waits until they are usable:
// `Established` is not enough, discovery lags behind it by ~2 s (FACTS.md), and clients that
// resolve kinds through discovery (kubectl, KubernetesObjectApi) fail until it catches up.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiextensionsV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { get, type TlsClient } from './http.js';
import { allOrNothing, waitFor } from './wait.js';

export const FIELD_MANAGER = 'kubevdi-devcluster';
const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * A CRD as parsed from YAML, JSON keys as written. Deliberately not client-node's
 * V1CustomResourceDefinition: its serializer knows `xKubernetesIntOrString`, not
 * `x-kubernetes-int-or-string`, and silently drops such keys from a plain object
 * (KubernetesObjectApi.patch does that), which turns valid schemas into invalid ones.
 */
export interface CrdManifest {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
}

export interface CrdInstallOptions {
  kubeconfig: KubeConfig;
  /** For discovery probes, which need nothing but a GET. */
  url: string;
  tls: TlsClient;
  log: (line: string) => void;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Reads every CRD document from the YAML/JSON files directly in `dirs` (sorted, for stable logs). */
export async function readCrds(dirs: string[], log: (line: string) => void = () => {}): Promise<CrdManifest[]> {
  const crds: CrdManifest[] = [];
  for (const dir of dirs) {
    const files = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && MANIFEST.test(entry.name))
      .map((entry) => path.join(dir, entry.name))
      .sort();
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
        const object = doc.toJS() as { apiVersion?: string; kind?: string } | null;
        if (!object) continue; // an empty document, e.g. after a trailing `---`
        if (object.kind !== 'CustomResourceDefinition') {
          // kustomization.yaml and the like live beside CRDs; they are not ours to apply.
          log(`skipping ${object.kind ?? 'a document without kind'} in ${file}: only CRDs are installed`);
          continue;
        }
        if (!(object as Partial<CrdManifest>).metadata?.name) throw new Error(`${file}: a CRD without metadata.name`);
        crds.push(object as CrdManifest);
      }
    }
  }
  return crds;
}

export async function installCrds(crds: CrdManifest[], options: CrdInstallOptions): Promise<void> {
  const extensions = options.kubeconfig.makeApiClient(ApiextensionsV1Api);
  // The body of this call is typed `any` and sent as it is.
  const serverSideApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  await allOrNothing(
    crds.map((crd) => async (signal) => {
      const name = crd.metadata.name;
      try {
        await extensions.patchCustomResourceDefinition(
          { name, body: crd, fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict' },
          serverSideApply,
        );
      } catch (err) {
        throw new Error(`applying CRD ${name} failed: ${describeApiError(err)}`);
      }
      await waitFor(
        `CRD ${name} to be Established`,
        async () => {
          const current = await extensions.readCustomResourceDefinition({ name });
          const conditions = current.status?.conditions ?? [];
          const namesAccepted = conditions.find((c) => c.type === 'NamesAccepted');
          if (namesAccepted?.status === 'False') {
            // Not transient: another CRD holds these names. Fail now rather than at the deadline.
            throw new FatalError(`CRD ${name} names not accepted: ${namesAccepted.message}`);
          }
          return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
        },
        { timeoutMs: options.timeoutMs, fatal: (err) => err instanceof FatalError, signal },
      );
      await waitForDiscovery(crd, options, signal);
    }),
    options.signal,
  );
  if (crds.length > 0) options.log(`installed ${crds.length} CRDs`);
}

/** Every served version must list the resource before clients can use it by kind. */
async function waitForDiscovery(crd: CrdManifest, options: CrdInstallOptions, signal: AbortSignal): Promise<void> {
  const { group, names } = crd.spec;
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const groupVersion = `${group}/${version.name}`;
    await waitFor(
      `discovery to serve ${names.plural}.${groupVersion}`,
      async () => {
        const { status, body } = await get(`${options.url}/apis/${groupVersion}`, options.tls);
        if (status !== 200) return undefined;
        const list = JSON.parse(body) as { resources?: { name: string }[] };
        return list.resources?.some((r) => r.name === names.plural) ? true : undefined;
      },
      { timeoutMs: options.timeoutMs, signal },
    );
  }
}

class FatalError extends Error {}

/** client-node's ApiException prints its whole response; the Status message is what matters. */
function describeApiError(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e.code === 'number') {
    const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    const message = (body as { message?: string } | undefined)?.message;
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  return e.message ?? String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
