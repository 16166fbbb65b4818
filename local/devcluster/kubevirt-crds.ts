// KubeVirt's CustomResourceDefinitions for the local control plane, without release downloads.
// KubeVirt publishes its CRDs only inside its release manifest, which many of our machines cannot
// fetch; the Go module proxy, however, serves kubevirt.io/kubevirt, and its source carries every
// OpenAPI schema as YAML text in validations_generated.go. The rest of each CRD (names, scope,
// versions, columns, subresources) is a few lines of Go in crds.go beside it, copied below.
// CDI's module is not served at all, so DataVolume and DataSource get small hand-written CRDs.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { goModDownload } from './go.js';

export const KUBEVIRT_VERSION = 'v1.9.0';

const MODULE = 'kubevirt.io/kubevirt';
const VALIDATIONS = 'pkg/virt-operator/resource/generate/components/validations_generated.go';
/** Bump when the CRDs written here change for the same KubeVirt version, so old caches are rewritten. */
const GENERATOR_REVISION = 2;
/** Not *.yaml, so readers of the directory's manifests (devcluster/crds.ts) never see it. */
const STAMP = '.kubevdi-kubevirt-crds';

type Log = (line: string) => void;

interface PrinterColumn {
  name: string;
  description?: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  priority?: number;
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
}

/** What crds.go (or CDI's controller-gen markers) says about one CRD, apart from its schema. */
interface CrdSkeleton {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind?: string;
  shortNames: string[];
  categories?: string[];
  scope: 'Namespaced' | 'Cluster';
  labels?: Record<string, string>;
  conversionNone?: boolean;
  versions: CrdVersion[];
  columns?: PrinterColumn[];
  subresources?: object;
  /** A fixed schema instead of the one validations_generated.go has for `singular`. */
  schema?: object;
  /** Written only if validations_generated.go has its schema (pools are newer than the rest). */
  optional?: boolean;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: ".status.conditions[?(@.type=='Ready')].status",
};
const STATUS_SUBRESOURCE = { status: {} };
/** newBlankCrd() labels every KubeVirt CRD with virtv1.AppLabel. */
const KUBEVIRT_LABELS = { 'kubevirt.io': '' };
/** virtv1.ApiSupportedVersions (kubevirt.io/api core/v1 register.go), used by newCRDVersions(). */
const CORE_VERSIONS: CrdVersion[] = [
  { name: 'v1', served: true, storage: true },
  {
    name: 'v1alpha3',
    served: true,
    storage: false,
    deprecated: true,
    deprecationWarning: 'kubevirt.io/v1alpha3 is now deprecated and will be removed in a future release.',
  },
];
const V1BETA1_ONLY: CrdVersion[] = [{ name: 'v1beta1', served: true, storage: true }];

/** The four instancetype.kubevirt.io kinds differ only in names, scope and categories. */
function instancetypeCrd(
  kind: string,
  singular: string,
  shortNames: string[],
  scope: CrdSkeleton['scope'],
): CrdSkeleton {
  return {
    group: 'instancetype.kubevirt.io',
    plural: `${singular}s`,
    singular,
    kind,
    shortNames,
    // Only the namespaced kinds are in "all" (crds.go), so `kubectl get all` skips cluster ones.
    ...(scope === 'Namespaced' ? { categories: ['all'] } : {}),
    scope,
    labels: KUBEVIRT_LABELS,
    conversionNone: true,
    versions: V1BETA1_ONLY,
  };
}

/**
 * Deliberately loose, because CDI's module (and so its schemas) cannot be fetched: kubevdi only
 * creates these objects and reads a few status fields, and no CDI controller runs locally.
 * Structural, with spec and status kept as given, which is all the API server needs to store them.
 */
const LOOSE_CDI_SCHEMA = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

/** From kubevirt v1.9.0 crds.go and CDI v1.66.0 crds_generated.go, in the order they are written. */
const SKELETONS: CrdSkeleton[] = [
  {
    group: 'kubevirt.io',
    plural: 'virtualmachines',
    singular: 'virtualmachine',
    kind: 'VirtualMachine',
    shortNames: ['vm', 'vms'],
    categories: ['all'],
    scope: 'Namespaced',
    labels: KUBEVIRT_LABELS,
    versions: CORE_VERSIONS,
    columns: [
      AGE,
      { name: 'Status', description: 'Human Readable Status', type: 'string', jsonPath: '.status.printableStatus' },
      READY,
    ],
    subresources: STATUS_SUBRESOURCE,
  },
  {
    group: 'kubevirt.io',
    plural: 'virtualmachineinstances',
    singular: 'virtualmachineinstance',
    kind: 'VirtualMachineInstance',
    shortNames: ['vmi', 'vmis'],
    categories: ['all'],
    scope: 'Namespaced',
    labels: KUBEVIRT_LABELS,
    versions: CORE_VERSIONS,
    columns: [
      AGE,
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'IP', type: 'string', jsonPath: '.status.interfaces[0].ipAddress' },
      { name: 'NodeName', type: 'string', jsonPath: '.status.nodeName' },
      READY,
      {
        name: 'Live-Migratable',
        type: 'string',
        jsonPath: ".status.conditions[?(@.type=='LiveMigratable')].status",
        priority: 1,
      },
      { name: 'Paused', type: 'string', jsonPath: ".status.conditions[?(@.type=='Paused')].status", priority: 1 },
    ],
    // No status subresource upstream: virt-handler writes VMI status with plain updates.
  },
  {
    // NewVirtualMachineInstanceMigrationCrd: what the simulator's live migration watches.
    group: 'kubevirt.io',
    plural: 'virtualmachineinstancemigrations',
    singular: 'virtualmachineinstancemigration',
    kind: 'VirtualMachineInstanceMigration',
    shortNames: ['vmim', 'vmims'],
    categories: ['all'],
    scope: 'Namespaced',
    labels: KUBEVIRT_LABELS,
    versions: CORE_VERSIONS,
    columns: [
      {
        name: 'Phase',
        description: 'The current phase of VM instance migration',
        type: 'string',
        jsonPath: '.status.phase',
      },
      {
        name: 'VMI',
        description: 'The name of the VMI to perform the migration on',
        type: 'string',
        jsonPath: '.spec.vmiName',
      },
    ],
    subresources: STATUS_SUBRESOURCE,
  },
  {
    group: 'pool.kubevirt.io',
    plural: 'virtualmachinepools',
    singular: 'virtualmachinepool',
    kind: 'VirtualMachinePool',
    shortNames: ['vmpool', 'vmpools'],
    categories: ['all'],
    scope: 'Namespaced',
    labels: KUBEVIRT_LABELS,
    versions: [
      { name: 'v1alpha1', served: true, storage: false },
      { name: 'v1beta1', served: true, storage: true },
    ],
    columns: [
      {
        name: 'Desired',
        description: 'Number of desired VirtualMachines',
        type: 'integer',
        jsonPath: '.spec.replicas',
      },
      {
        name: 'Current',
        description: 'Number of managed and not final or deleted VirtualMachines',
        type: 'integer',
        jsonPath: '.status.replicas',
      },
      {
        name: 'Ready',
        description: 'Number of managed VirtualMachines which are ready to receive traffic',
        type: 'integer',
        jsonPath: '.status.readyReplicas',
      },
      AGE,
    ],
    subresources: {
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.labelSelector',
      },
      status: {},
    },
    optional: true,
  },
  instancetypeCrd(
    'VirtualMachineInstancetype',
    'virtualmachineinstancetype',
    ['vminstancetype', 'vminstancetypes', 'vmf', 'vmfs'],
    'Namespaced',
  ),
  instancetypeCrd(
    'VirtualMachineClusterInstancetype',
    'virtualmachineclusterinstancetype',
    ['vmclusterinstancetype', 'vmclusterinstancetypes', 'vmcf', 'vmcfs'],
    'Cluster',
  ),
  instancetypeCrd(
    'VirtualMachinePreference',
    'virtualmachinepreference',
    ['vmpref', 'vmprefs', 'vmp', 'vmps'],
    'Namespaced',
  ),
  instancetypeCrd('VirtualMachineClusterPreference', 'virtualmachineclusterpreference', ['vmcp', 'vmcps'], 'Cluster'),
  {
    group: 'cdi.kubevirt.io',
    plural: 'datavolumes',
    singular: 'datavolume',
    kind: 'DataVolume',
    listKind: 'DataVolumeList',
    shortNames: ['dv', 'dvs'],
    categories: ['all'],
    scope: 'Namespaced',
    versions: V1BETA1_ONLY,
    columns: [
      { name: 'Phase', description: 'The phase the data volume is in', type: 'string', jsonPath: '.status.phase' },
      {
        name: 'Progress',
        description: 'Transfer progress in percentage if known, N/A otherwise',
        type: 'string',
        jsonPath: '.status.progress',
      },
      {
        name: 'Restarts',
        description: 'The number of times the transfer has been restarted.',
        type: 'integer',
        jsonPath: '.status.restartCount',
      },
      AGE,
    ],
    subresources: STATUS_SUBRESOURCE,
    schema: LOOSE_CDI_SCHEMA,
  },
  {
    group: 'cdi.kubevirt.io',
    plural: 'datasources',
    singular: 'datasource',
    kind: 'DataSource',
    listKind: 'DataSourceList',
    shortNames: ['das'],
    categories: ['all'],
    scope: 'Namespaced',
    versions: V1BETA1_ONLY,
    // No status subresource: CDI v1.66.0 declares none for DataSource, so its status is written
    // with ordinary updates, and a status subresource here would silently drop such writes.
    schema: LOOSE_CDI_SCHEMA,
  },
];

/**
 * Reads the Go map literal `CRDsValidation` (singular name -> YAML text `openAPIV3Schema: ...`).
 * Values are Go string literals, possibly joined with `+` (the generator's way to embed a back-quote).
 */
export function parseValidationsGenerated(goSource: string): Map<string, unknown> {
  const schemas = new Map<string, unknown>();
  const key = /"([\w.-]+)"\s*:\s*(?=[`"])/g;
  for (let m = key.exec(goSource); m; m = key.exec(goSource)) {
    const name = m[1] as string;
    const { text, end } = readGoStringExpression(goSource, key.lastIndex);
    key.lastIndex = end; // never look for keys inside the YAML we just consumed
    const schema = (parse(text) as { openAPIV3Schema?: unknown } | null)?.openAPIV3Schema;
    if (!schema) throw new Error(`validation "${name}" has no openAPIV3Schema`);
    schemas.set(name, schema);
  }
  if (schemas.size === 0) throw new Error('no "name": `openAPIV3Schema: ...` entries found in the Go source');
  return schemas;
}

/** Reads `lit (+ lit)*` starting at `start`; raw (back-quoted) and interpreted ("...") literals. */
function readGoStringExpression(source: string, start: number): { text: string; end: number } {
  let text = '';
  let i = start;
  for (;;) {
    const quote = source[i];
    if (quote === '`') {
      const close = source.indexOf('`', i + 1);
      if (close < 0) throw new Error(`unterminated raw string at offset ${i}`);
      text += source.slice(i + 1, close).replaceAll('\r', ''); // Go drops CRs in raw strings
      i = close + 1;
    } else if (quote === '"') {
      const literal = /^"(?:[^"\\\n]|\\.)*"/.exec(source.slice(i))?.[0];
      if (!literal) throw new Error(`unterminated string at offset ${i}`);
      // The generator only needs JSON-compatible escapes (\" \\ \n \t); others would throw here.
      text += JSON.parse(literal) as string;
      i += literal.length;
    } else {
      throw new Error(`expected a string literal at offset ${i}`);
    }
    const next = /^\s*\+\s*/.exec(source.slice(i, i + 200));
    if (!next) return { text, end: i };
    i += next[0].length;
  }
}

/** The CRD objects kubevdi's local control plane needs, in the shape virt-operator would create. */
export function kubevirtCrds(schemas: Map<string, unknown>): object[] {
  return SKELETONS.flatMap((skeleton) => {
    const schema = skeleton.schema ?? schemas.get(skeleton.singular);
    if (schema === undefined) {
      if (skeleton.optional) return [];
      throw new Error(`validations_generated.go has no schema for ${skeleton.singular}`);
    }
    return [renderCrd(skeleton, schema)];
  });
}

function renderCrd(s: CrdSkeleton, schema: unknown): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${s.plural}.${s.group}`, ...(s.labels ? { labels: s.labels } : {}) },
    spec: {
      group: s.group,
      names: {
        plural: s.plural,
        singular: s.singular,
        kind: s.kind,
        ...(s.listKind ? { listKind: s.listKind } : {}),
        shortNames: s.shortNames,
        ...(s.categories ? { categories: s.categories } : {}),
      },
      scope: s.scope,
      ...(s.conversionNone ? { conversion: { strategy: 'None' } } : {}),
      versions: s.versions.map((version) => ({
        ...version,
        ...(s.columns ? { additionalPrinterColumns: s.columns } : {}),
        schema: { openAPIV3Schema: schema },
        ...(s.subresources ? { subresources: s.subresources } : {}),
      })),
    },
  };
}

/**
 * Writes the CRD YAML files (one per CRD) into `dir` (cached: if dir already holds them for this
 * version, return at once) and returns dir. Needs `go` and a reachable Go module proxy the first time.
 */
export async function ensureKubevirtCrds(dir: string, log: Log = () => {}): Promise<string> {
  const stampFile = path.join(dir, STAMP);
  const header = `${MODULE}@${KUBEVIRT_VERSION} revision ${GENERATOR_REVISION}`;
  const [stampHeader, ...files] = (await readFile(stampFile, 'utf8').catch(() => '')).trim().split('\n');
  if (stampHeader === header && files.length > 0 && files.every((file) => existsSync(path.join(dir, file)))) {
    return dir;
  }

  const started = Date.now();
  log(`fetching ${MODULE}@${KUBEVIRT_VERSION} from the Go module proxy for its CRD schemas (first time only)`);
  const moduleDir = (await goModDownload(`${MODULE}@${KUBEVIRT_VERSION}`)).Dir;
  const schemas = parseValidationsGenerated(await readFile(path.join(moduleDir, VALIDATIONS), 'utf8'));
  const crds = kubevirtCrds(schemas) as { metadata: { name: string } }[];

  await mkdir(dir, { recursive: true });
  // Until the new stamp is written, an interrupted run leaves a directory that is not "done".
  await rm(stampFile, { force: true });
  const written = await Promise.all(
    crds.map(async (crd) => {
      const file = `${crd.metadata.name}.yaml`;
      const source = `# Written by kubevdi from ${MODULE}@${KUBEVIRT_VERSION}; cdi.kubevirt.io CRDs are loose stand-ins.\n`;
      // No aliases (one schema object serves several versions) and no folding: `yaml` folds deeply
      // indented text badly (a description at column 80+ came back with a leading newline).
      await writeAtomically(
        path.join(dir, file),
        source + stringify(crd, { aliasDuplicateObjects: false, lineWidth: 0 }),
      );
      return file;
    }),
  );
  // A CRD an older stamp listed but this revision no longer writes must not be installed.
  await Promise.all(
    files.filter((file) => !written.includes(file)).map((file) => rm(path.join(dir, file), { force: true })),
  );
  await writeAtomically(stampFile, `${[header, ...written].join('\n')}\n`);
  log(`wrote ${written.length} KubeVirt/CDI CRDs to ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Temp file + rename, so a reader (or a concurrent writer) never sees half a file. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, file);
}
