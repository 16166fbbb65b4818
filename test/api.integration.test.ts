// The kubevdi.io API against a real kube-apiserver: the examples apply, bad input is refused with
// the message a person will read, `kubectl explain` explains, and RBAC is really on.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, type KubernetesObject, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { API_VERSION, GROUP, QUANTITY_PATTERN, VERSION } from '../src/api/index.js';
import { REPO_ROOT } from '../src/paths.js';
import { applyAs, kubeconfig, readYamlObjects, refusal, useTestNamespace } from './support/cluster.js';
import { KUBEVIRT_DIR } from './support/kubevirt.js';

const apply = () => applyAs();
const namespace = useTestNamespace('api');

const template = (name: string, spec: Record<string, unknown>): Resource => ({
  apiVersion: API_VERSION,
  kind: 'VMTemplate',
  metadata: { name, namespace: namespace() },
  spec,
});
const linuxSpec = () => ({
  os: { type: 'Linux' },
  resources: { cpu: { cores: 2 }, memory: '4Gi' },
  rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
});
type Resource = KubernetesObject & { spec: Record<string, unknown> };

const pool = (name: string, spec: Record<string, unknown>): Resource => ({
  apiVersion: API_VERSION,
  kind: 'VirtualDesktopPool',
  metadata: { name, namespace: namespace() },
  spec: { templateRef: { name: 'fedora' }, size: 3, ...spec },
});
const claim = (name: string, spec: Record<string, unknown>): Resource => ({
  apiVersion: API_VERSION,
  kind: 'DesktopClaim',
  metadata: { name, namespace: namespace() },
  spec: { poolRef: { name: 'callcenter' }, user: 'alice', ...spec },
});

describe('examples', () => {
  it('all apply with server-side apply and strict field validation, and get their defaults', async () => {
    const dir = path.join(REPO_ROOT, 'examples');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== '00-namespace.yaml');
    expect(files.length).toBeGreaterThanOrEqual(5);
    const kinds: string[] = [];
    for (const file of files) {
      for (const obj of await readYamlObjects(path.join(dir, file))) {
        const applied = await apply()({ ...obj, metadata: { ...obj.metadata, namespace: namespace() } });
        kinds.push(applied.kind as string);
      }
    }
    expect(kinds.sort()).toEqual([
      'DesktopClaim',
      'Secret',
      'VMTemplate',
      'VMTemplate',
      'VirtualDesktopPool',
      'VirtualDesktopPool',
      'VirtualDesktopPool',
    ]);

    const api = kubeconfig().makeApiClient(CustomObjectsApi);
    const callcenter = (await api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: namespace(),
      plural: 'virtualdesktoppools',
      name: 'callcenter',
    })) as { spec: Record<string, unknown> };
    expect(callcenter.spec.updateStrategy).toEqual({ type: 'OnRelease', maxUnavailable: '25%' });
    expect(callcenter.spec.rdp).toEqual({
      enabled: true,
      multipleMonitors: false,
      clipboard: 'None',
      fileTransfer: 'None',
      signIn: 'WhenAsked',
    });
    expect(callcenter.spec.paused).toBe(false);
  });

  it('include a KubeVirt VirtualMachine that the real KubeVirt CRD schema accepts', async () => {
    const [vm] = await readYamlObjects(path.join(KUBEVIRT_DIR, 'examples/vm-linux-desktop.yaml'));
    const applied = await apply()({
      ...(vm as KubernetesObject),
      metadata: { ...vm?.metadata, namespace: namespace() },
    });
    expect(applied.kind).toBe('VirtualMachine');
    expect(applied.metadata?.managedFields?.[0]?.manager).toBe('kubevdi-test');
  });
});

describe('invalid input is refused with a message a person understands', () => {
  const refused = async (obj: KubernetesObject) => (await refusal(apply()(obj))).message;

  it('a template with two root disk sources', async () => {
    const source = { dataSource: { name: 'golden' }, pvc: { name: 'golden' } };
    const msg = await refused(template('two-sources', { ...linuxSpec(), rootDisk: { source, size: '20Gi' } }));
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "two-sources" is invalid: spec.rootDisk.source: Invalid value: rootDisk.source must set exactly one of dataSource, pvc or containerDisk',
    );
  });

  it('a template with no root disk source', async () => {
    const msg = await refused(template('no-source', { ...linuxSpec(), rootDisk: { source: {} } }));
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "no-source" is invalid: [spec.rootDisk.size: Invalid value: rootDisk.size is required when the root disk is cloned from a dataSource or pvc, spec.rootDisk.source: Invalid value: rootDisk.source must set exactly one of dataSource, pvc or containerDisk]',
    );
  });

  it('a cloned root disk without a size', async () => {
    const msg = await refused(
      template('no-size', { ...linuxSpec(), rootDisk: { source: { dataSource: { name: 'golden' } } } }),
    );
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "no-size" is invalid: spec.rootDisk.size: Invalid value: rootDisk.size is required when the root disk is cloned from a dataSource or pvc',
    );
  });

  it('an access mode for a containerDisk, which has no PVC', async () => {
    const rootDisk = {
      source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } },
      accessMode: 'ReadWriteMany',
    };
    const msg = await refused(template('image-rwx', { ...linuxSpec(), rootDisk }));
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "image-rwx" is invalid: spec.rootDisk: Invalid value: rootDisk.size, rootDisk.storageClassName and rootDisk.accessMode do not apply to a containerDisk source',
    );
  });

  it('secure boot without EFI', async () => {
    const msg = await refused(
      template('bios-secure', { ...linuxSpec(), firmware: { type: 'BIOS', secureBoot: true } }),
    );
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "bios-secure" is invalid: spec.firmware.secureBoot: Invalid value: firmware.secureBoot requires firmware.type EFI (secure boot also turns on SMM)',
    );
  });

  it('both resources and an instancetype', async () => {
    const msg = await refused(template('both-sizes', { ...linuxSpec(), instancetype: { name: 'u1.large' } }));
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "both-sizes" is invalid: spec: Invalid value: set exactly one of resources (cpu and memory) or instancetype',
    );
  });

  it('a sysprep answer file for Linux', async () => {
    const msg = await refused(
      template('linux-sysprep', { ...linuxSpec(), guest: { sysprepSecretRef: { name: 'unattend' } } }),
    );
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "linux-sysprep" is invalid: spec: Invalid value: guest.sysprepSecretRef is only for Windows templates; use guest.cloudInitSecretRef for Linux',
    );
  });

  it('memory that is not a quantity', async () => {
    const msg = await refused(
      template('bad-memory', { ...linuxSpec(), resources: { cpu: { cores: 2 }, memory: '8 GB' } }),
    );
    expect(msg).toBe(
      `VMTemplate.kubevdi.io "bad-memory" is invalid: spec.resources.memory: Invalid value: "8 GB": spec.resources.memory in body should match '${QUANTITY_PATTERN.source}'`,
    );
  });

  it('zero memory', async () => {
    const msg = await refused(
      template('zero-memory', { ...linuxSpec(), resources: { cpu: { cores: 2 }, memory: '0' } }),
    );
    expect(msg).toBe(
      'VMTemplate.kubevdi.io "zero-memory" is invalid: spec.resources.memory: Invalid value: "0": resources.memory must be greater than zero',
    );
  });

  it('more prestarted desktops than the pool has', async () => {
    const msg = await refused(pool('too-warm', { size: 3, prestarted: 5 }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "too-warm" is invalid: spec.prestarted: Invalid value: prestarted cannot be larger than size: a pool cannot keep more desktops warm than it has',
    );
  });

  it('maxDesktopsPerUser of 0', async () => {
    const msg = await refused(pool('no-desktops-per-user', { maxDesktopsPerUser: 0 }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "no-desktops-per-user" is invalid: spec.maxDesktopsPerUser: Invalid value: maxDesktopsPerUser must be at least 1',
    );
  });

  it('a negative size', async () => {
    const msg = await refused(pool('negative', { size: -1 }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "negative" is invalid: [spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0, .spec.size: Invalid value: -1: should be a non-negative integer, spec.prestarted: Invalid value: prestarted cannot be larger than size: a pool cannot keep more desktops warm than it has]',
    );
  });

  it('an unknown assignment mode', async () => {
    const msg = await refused(pool('floating', { assignment: 'Floating' }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "floating" is invalid: [spec.assignment: Unsupported value: "Floating": supported values: "Automatic", "Manual", <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );
  });

  it('a pool without a template reference', async () => {
    const obj = pool('no-template', {});
    delete obj.spec.templateRef;
    const msg = await refused(obj);
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "no-template" is invalid: [spec.templateRef: Required value, <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );
  });

  it('a pool name too long to leave room for desktop indexes', async () => {
    const name = `p${'o'.repeat(50)}l`;
    const msg = await refused(pool(name, {}));
    expect(msg).toBe(
      `VirtualDesktopPool.kubevdi.io "${name}" is invalid: metadata.name: Invalid value: "pooooooooooooooooooooooooooooooooooooooooooooooooool": pool names are DNS labels (lower case letters, digits and '-') of at most 50 characters, because desktops are named <pool>-<index> and use that name as their hostname`,
    );
  });

  it('a bad maxUnavailable percentage', async () => {
    const msg = await refused(pool('bad-surge', { updateStrategy: { maxUnavailable: '150%' } }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "bad-surge" is invalid: spec.updateStrategy.maxUnavailable: Invalid value: "150%": spec.updateStrategy.maxUnavailable in body should match \'^(100|[1-9]?[0-9])%$\'',
    );
  });

  it('a toleration Kubernetes would refuse only when the desktop starts', async () => {
    const tolerations = [{ operator: 'Exists', value: 'yes' }];
    const msg = await refused(pool('bad-toleration', { placement: { tolerations } }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "bad-toleration" is invalid: spec.placement.tolerations[0]: Invalid value: a toleration with operator Exists takes no value',
    );
  });

  // Found by the property test (test/render/desktop-property.integration.test.ts): placements a pool
  // accepted but the desktops' Pods or VirtualMachines could not have.
  it('a toleration with tolerationSeconds for an effect other than NoExecute', async () => {
    const tolerations = [{ key: 'desktop', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }];
    const msg = await refused(pool('bad-seconds', { placement: { tolerations } }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "bad-seconds" is invalid: spec.placement.tolerations[0].tolerationSeconds: Invalid value: tolerationSeconds only applies to effect NoExecute (how long a running desktop stays once the taint appears); remove it or set effect: NoExecute',
    );
  });

  it('an affinity with a misspelt field', async () => {
    const msg = await refused(pool('typo-affinity', { placement: { affinity: { nodeAfinity: {} } } }));
    expect(msg).toBe(
      `failed to create typed patch object (${namespace()}/typo-affinity; kubevdi.io/v1alpha1, Kind=VirtualDesktopPool): .spec.placement.affinity.nodeAfinity: field not declared in schema`,
    );
  });

  it('a node affinity Kubernetes would refuse in every desktop', async () => {
    const required = {
      nodeSelectorTerms: [
        {
          matchExpressions: [
            { key: 'gpu', operator: 'In' },
            { key: 'cores', operator: 'Gt', values: ['-4'] },
          ],
        },
      ],
    };
    const msg = await refused(
      pool('bad-affinity', {
        placement: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } },
      }),
    );
    const at =
      'spec.placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]';
    expect(msg).toContain(
      `${at}.matchExpressions[0].values: Invalid value: a node requirement with operator In or NotIn needs at least one value`,
    );
    expect(msg).toContain(`${at}.matchExpressions[1].values[0]: Invalid value: "-4"`);
  });

  it('a nodeSelector key that is not a label key', async () => {
    const msg = await refused(pool('bad-selector', { placement: { nodeSelector: { 'desktop host': 'yes' } } }));
    expect(msg).toBe(
      'VirtualDesktopPool.kubevdi.io "bad-selector" is invalid: spec.placement.nodeSelector: Invalid value: every key of nodeSelector must be a label key: an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    );
  });

  it('memory with an exponent the API server would spend its whole timeout parsing', async () => {
    const msg = await refused(
      template('huge-exponent', { ...linuxSpec(), resources: { cpu: { cores: 2 }, memory: '1e957715517877' } }),
    );
    expect(msg).toBe(
      `VMTemplate.kubevdi.io "huge-exponent" is invalid: spec.resources.memory: Invalid value: "1e957715517877": spec.resources.memory in body should match '${QUANTITY_PATTERN.source}'`,
    );
    // Refused at the pattern (before this, the CEL rule parsed it and the request ended in a 504).
  });

  it('a template name too long for the label desktops carry', async () => {
    const name = 't'.repeat(64);
    const msg = await refused(template(name, linuxSpec()));
    expect(msg).toBe(
      `VMTemplate.kubevdi.io "${name}" is invalid: metadata.name: Invalid value: "${name}": template names are at most 63 characters, because desktops carry them in a label`,
    );
  });

  it('a field the API does not have', async () => {
    const msg = await refused(pool('typo', { prestart: 2 }));
    expect(msg).toBe(
      `failed to create typed patch object (${namespace()}/typo; kubevdi.io/v1alpha1, Kind=VirtualDesktopPool): .spec.prestart: field not declared in schema`,
    );
  });

  it('a claim moved to another pool or user', async () => {
    await apply()(claim('moving', {}));
    expect(await refused(claim('moving', { poolRef: { name: 'engineering' } }))).toBe(
      'DesktopClaim.kubevdi.io "moving" is invalid: spec.poolRef: Invalid value: spec.poolRef cannot be changed after creation; release this claim and create a new one for the other pool',
    );
    expect(await refused(claim('moving', { user: 'bob' }))).toBe(
      'DesktopClaim.kubevdi.io "moving" is invalid: spec.user: Invalid value: "bob": spec.user cannot be changed after creation; a desktop is never handed from one user to another; release this claim instead',
    );
  });

  it('a pool that changes its assignment mode while it has desktops, but not once it has none', async () => {
    await apply()(pool('switch', { assignment: 'Automatic' }));
    const setDesktops = (desktops: number) =>
      kubeconfig()
        .makeApiClient(CustomObjectsApi)
        .patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace: namespace(),
            plural: 'virtualdesktoppools',
            name: 'switch',
            body: { status: { desktops } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
    await setDesktops(2);
    expect(await refused(pool('switch', { assignment: 'Manual' }))).toBe(
      'VirtualDesktopPool.kubevdi.io "switch" is invalid: spec.assignment: Invalid value: spec.assignment cannot change while the pool has desktops, because their users would silently gain or lose them; scale the pool to 0, wait until status.desktops is 0, then change it',
    );
    await setDesktops(0);
    const changed = await apply()(pool('switch', { assignment: 'Manual' }));
    expect(changed.spec.assignment).toBe('Manual');
  });
});

describe('kubectl explain', () => {
  const explain = async (what: string) => {
    const { kubectl, adminKubeconfig } = inject('cluster');
    const { stdout } = await promisify(execFile)(kubectl, ['explain', what, '--kubeconfig', adminKubeconfig]);
    return stdout;
  };

  it('explains a pool field', async () => {
    const out = await explain('virtualdesktoppool.spec.prestarted');
    expect(out).toContain('FIELD: prestarted <integer>');
    expect(out).toContain('How many unassigned desktops are kept powered on and ready');
  });

  it('explains the template and claim specs', async () => {
    expect(await explain('vmtemplate.spec')).toContain('A golden image with the hardware and guest OS of a desktop');
    expect(await explain('desktopclaim.spec.user')).toContain('Users may only claim for themselves');
  });

  it('lists all three kinds under `kubectl get kubevdi`, with the columns that matter', async () => {
    await apply()(template('fedora', linuxSpec()));
    await apply()(pool('callcenter', { size: 20, prestarted: 5 }));
    await apply()(claim('alice', {}));
    const { kubectl, adminKubeconfig } = inject('cluster');
    const { stdout } = await promisify(execFile)(kubectl, [
      'get',
      'kubevdi',
      '-n',
      namespace(),
      '--kubeconfig',
      adminKubeconfig,
    ]);
    const lines = stdout.split('\n').map((line) => line.trim().split(/\s+/).join(' '));
    expect(lines).toContain('NAME OS VERSION REVISION READY AGE');
    expect(lines.find((l) => l.startsWith('vmtemplate.kubevdi.io/fedora '))).toMatch(
      /^vmtemplate.kubevdi.io\/fedora Linux \d+s$/,
    );
    expect(lines).toContain('NAME TEMPLATE SIZE READY AVAILABLE ASSIGNED WARM PHASE WINDOW NEXT CHANGE AGE');
    expect(lines.find((l) => l.startsWith('virtualdesktoppool.kubevdi.io/callcenter '))).toMatch(
      /^virtualdesktoppool.kubevdi.io\/callcenter fedora 20 \d+s$/,
    );
    expect(lines).toContain('NAME POOL USER DESKTOP PHASE AGE');
    expect(lines.find((l) => l.startsWith('desktopclaim.kubevdi.io/alice '))).toMatch(
      /^desktopclaim.kubevdi.io\/alice callcenter alice \d+s$/,
    );
  });
});

describe('RBAC', () => {
  it('refuses a user without a binding and allows the admin', async () => {
    const asAlice = (await refusal(applyAs('alice')(pool('alices-pool', {})))).code;
    expect(asAlice).toBe(403);
    const asAdmin = await apply()(pool('admins-pool', {}));
    expect(asAdmin.metadata?.name).toBe('admins-pool');
  });
});
