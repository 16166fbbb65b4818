// KubeVirt's CRDs built from its Go module are the ones virt-operator installs: the same as the
// reference copies in ../shared/kubevirt/crds, field for field, schemas included.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ensureKubevirtCrds,
  KUBEVIRT_VERSION,
  kubevirtCrds,
  parseValidationsGenerated,
} from '../../local/devcluster/kubevirt-crds.js';
import { KUBEVIRT_CRDS_DIR, kubevirtCrdFile } from '../support/kubevirt.js';

// The real file's shape, including the generator's way of writing a back-quote inside a raw string.
const GO_SOURCE = `package components

var CRDsValidation map[string]string = map[string]string{
	"virtualmachine": \`openAPIV3Schema:
  description: VirtualMachine handles the VirtualMachines that are not running
  properties:
    spec:
      description: |-
        Spec contains the specification of VirtualMachineInstance created
        "quoted": not a map key
      type: object
  required:
  - spec
  type: object
\`,
	"virtualmachinepool": \`openAPIV3Schema:
  description: a \` + "\`" + \`quoted\` + "\`" + \` word
  type: object
\`,
}
`;

type Crd = {
  metadata: { name: string; labels?: object; annotations?: object };
  spec: {
    group: string;
    names: { kind: string; shortNames?: string[] };
    scope: string;
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> }; subresources?: object }[];
  };
};

const KUBEVIRT_CRDS = [
  'virtualmachines.kubevirt.io',
  'virtualmachineinstances.kubevirt.io',
  'virtualmachineinstancemigrations.kubevirt.io',
  'virtualmachinepools.pool.kubevirt.io',
  'virtualmachineinstancetypes.instancetype.kubevirt.io',
  'virtualmachineclusterinstancetypes.instancetype.kubevirt.io',
  'virtualmachinepreferences.instancetype.kubevirt.io',
  'virtualmachineclusterpreferences.instancetype.kubevirt.io',
];
const CDI_CRDS = ['datavolumes.cdi.kubevirt.io', 'datasources.cdi.kubevirt.io'];

/** The CRD without its schemas (and CDI's controller-gen annotation), for readable failures. */
function skeleton(crd: Crd): unknown {
  const { annotations: _, ...metadata } = crd.metadata;
  const versions = crd.spec.versions.map(({ schema: _schema, ...version }) => version);
  return { ...crd, metadata, spec: { ...crd.spec, versions } };
}

describe('parseValidationsGenerated', () => {
  it('maps each singular name to the openAPIV3Schema in its YAML', () => {
    const schemas = parseValidationsGenerated(GO_SOURCE);
    expect([...schemas.keys()]).toEqual(['virtualmachine', 'virtualmachinepool']);
    expect(schemas.get('virtualmachine')).toEqual({
      description: 'VirtualMachine handles the VirtualMachines that are not running',
      properties: {
        spec: {
          description: 'Spec contains the specification of VirtualMachineInstance created\n"quoted": not a map key',
          type: 'object',
        },
      },
      required: ['spec'],
      type: 'object',
    });
    expect(schemas.get('virtualmachinepool')).toEqual({ description: 'a `quoted` word', type: 'object' });
  });

  it('refuses text that holds no schemas, rather than writing no CRDs', () => {
    expect(() => parseValidationsGenerated('package components\n')).toThrow(/no .* entries/);
  });
});

describe('kubevirtCrds', () => {
  const singulars = [
    'virtualmachine',
    'virtualmachineinstance',
    'virtualmachineinstancemigration',
    'virtualmachineinstancetype',
    'virtualmachineclusterinstancetype',
    'virtualmachinepreference',
    'virtualmachineclusterpreference',
  ];
  const schemas = new Map<string, unknown>(singulars.map((name) => [name, { type: 'object', description: name }]));

  it('builds KubeVirt CRDs from the given schemas and CDI ones from its own loose schema', () => {
    const crds = kubevirtCrds(schemas) as Crd[];
    // No pool schema given, so no pool CRD: older KubeVirt releases have none.
    expect(crds.map((crd) => crd.metadata.name).sort()).toEqual(
      [...KUBEVIRT_CRDS, ...CDI_CRDS].filter((name) => !name.startsWith('virtualmachinepools')).sort(),
    );
    const vm = crds.find((crd) => crd.spec.names.kind === 'VirtualMachine');
    expect(vm?.spec.versions.map((v) => v.schema.openAPIV3Schema.description)).toEqual([
      'virtualmachine',
      'virtualmachine',
    ]);
    for (const kind of ['DataVolume', 'DataSource']) {
      const schema = crds.find((crd) => crd.spec.names.kind === kind)?.spec.versions[0]?.schema.openAPIV3Schema;
      expect(schema).toMatchObject({
        type: 'object',
        properties: {
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      });
    }
  });

  it('fails when a required schema is missing', () => {
    const withoutVm = new Map(schemas);
    withoutVm.delete('virtualmachine');
    expect(() => kubevirtCrds(withoutVm)).toThrow(/no schema for virtualmachine$/);
  });
});

const hasGo = spawnSync('go', ['version']).status === 0;
const hasReference = existsSync(KUBEVIRT_CRDS_DIR);

// Needs `go` and the Go module proxy (the first run downloads ~50 MB into the Go module cache).
describe.skipIf(!hasGo)(`ensureKubevirtCrds (kubevirt.io/kubevirt@${KUBEVIRT_VERSION} via go mod download)`, () => {
  let dir = '';
  const generated = new Map<string, Crd>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-kubevirt-crds-'));
    expect(await ensureKubevirtCrds(dir)).toBe(dir);
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
      generated.set(file.replace(/\.yaml$/, ''), parse(await readFile(path.join(dir, file), 'utf8')) as Crd);
    }
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes one file per CRD, named after it', () => {
    expect([...generated.keys()].sort()).toEqual([...KUBEVIRT_CRDS, ...CDI_CRDS].sort());
    for (const [name, crd] of generated) expect(crd.metadata.name).toBe(name);
  });

  it('returns at once the second time, leaving the files alone', async () => {
    const file = path.join(dir, `${KUBEVIRT_CRDS[0]}.yaml`);
    const before = (await stat(file)).mtimeMs;
    const started = performance.now();
    await ensureKubevirtCrds(dir);
    expect(performance.now() - started).toBeLessThan(200);
    expect((await stat(file)).mtimeMs).toBe(before);
  });

  describe.skipIf(!hasReference)(`against the reference CRDs in ${KUBEVIRT_CRDS_DIR}`, () => {
    const reference = async (name: string) => parse(await readFile(kubevirtCrdFile(name), 'utf8')) as Crd;

    it.each(KUBEVIRT_CRDS)('%s: same names, scope, versions, columns, subresources and schemas', async (name) => {
      const ours = generated.get(name) as Crd;
      const theirs = await reference(name);
      expect(skeleton(ours)).toEqual(skeleton(theirs));
      // Descriptions included: both come from the same validations_generated.go.
      ours.spec.versions.forEach((version, i) => {
        expect(version.schema, `${name} ${version.name} schema`).toEqual(theirs.spec.versions[i]?.schema);
      });
    });

    // CDI's schemas are loose stand-ins (see kubevirt-crds.ts); everything else is as upstream.
    it.each(CDI_CRDS)('%s: same names, scope, versions, columns and subresources as CDI', async (name) => {
      expect(skeleton(generated.get(name) as Crd)).toEqual(skeleton(await reference(name)));
    });
  });
});
