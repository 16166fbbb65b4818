// The renderer without a server: exact output for a Windows 11 desktop, the variations every
// template field causes, determinism, and KubeVirt's webhook rules over every combination.
import { describe, expect, it } from 'vitest';
import type { VMTemplateSpec } from '../../src/api/index.js';
import { LABELS, MANAGED_BY, poolSelector, poolSelectorString } from '../../src/api/labels.js';
import type { VirtualMachine } from '../../src/render/kubevirt.js';
import { desktopName, parseDesktopIndex, rootDiskName } from '../../src/render/names.js';
import { renderDesktop } from '../../src/render/virtualmachine.js';
import { fedora, input, NAMESPACE, POOL_UID, pool, windows11 } from './fixtures.js';
import { webhookViolations } from './webhook-rules.js';

const vmi = (vm: VirtualMachine) => vm.spec.template.spec;
const devices = (vm: VirtualMachine) => vmi(vm).domain.devices;

describe('names', () => {
  it('names desktops <pool>-<index> and their root disks <desktop>-root', () => {
    expect(desktopName('sales', 0)).toBe('sales-0');
    expect(desktopName('sales', 4999)).toBe('sales-4999');
    expect(rootDiskName('sales-7')).toBe('sales-7-root');
  });

  it('refuses indexes that are not non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => desktopName('sales', bad)).toThrow(RangeError);
    }
  });

  it('parses an index back only from the canonical name of that pool', () => {
    expect(parseDesktopIndex('sales', 'sales-0')).toBe(0);
    expect(parseDesktopIndex('sales', 'sales-42')).toBe(42);
    expect(parseDesktopIndex('sales', desktopName('sales', 1234))).toBe(1234);
    expect(parseDesktopIndex('sales', 'sales-07')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales-')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales-7-root')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales-7-0')).toBeUndefined(); // desktop 0 of pool "sales-7"
    expect(parseDesktopIndex('sales-7', 'sales-7-0')).toBe(0);
    expect(parseDesktopIndex('sales', 'marketing-1')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales--1')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales-1e3')).toBeUndefined();
    expect(parseDesktopIndex('sales', 'sales-99999999999999999999')).toBeUndefined();
  });
});

describe('labels', () => {
  it('keeps every key in one place', () => {
    expect(LABELS).toEqual({
      pool: 'kubevdi.io/pool',
      template: 'kubevdi.io/template',
      templateRevision: 'kubevdi.io/template-revision',
      desktop: 'kubevdi.io/desktop',
      managedBy: 'app.kubernetes.io/managed-by',
    });
    expect(MANAGED_BY).toBe('kubevdi');
  });

  it("selects a pool's desktops", () => {
    expect(poolSelector('sales')).toEqual({ 'kubevdi.io/pool': 'sales', 'app.kubernetes.io/managed-by': 'kubevdi' });
    expect(poolSelectorString('sales')).toBe('kubevdi.io/pool=sales,app.kubernetes.io/managed-by=kubevdi');
  });
});

describe('renderDesktop', () => {
  it('renders a Windows 11 desktop cloned from a DataSource, with secure boot, TPM and USB redirection', () => {
    const labels = {
      'kubevdi.io/pool': 'engineering',
      'kubevdi.io/template': 'win11',
      'kubevdi.io/template-revision': '3',
      'kubevdi.io/desktop': 'engineering-7',
      'app.kubernetes.io/managed-by': 'kubevdi',
    };
    expect(renderDesktop(input())).toEqual({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: {
        name: 'engineering-7',
        namespace: NAMESPACE,
        labels,
        ownerReferences: [
          {
            apiVersion: 'kubevdi.io/v1alpha1',
            kind: 'VirtualDesktopPool',
            name: 'engineering',
            uid: POOL_UID,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        runStrategy: 'Halted',
        dataVolumeTemplates: [
          {
            metadata: { name: 'engineering-7-root', labels },
            spec: {
              sourceRef: { kind: 'DataSource', name: 'win11-golden', namespace: 'vdi-images' },
              storage: { resources: { requests: { storage: '64Gi' } } },
            },
          },
        ],
        template: {
          metadata: { labels },
          spec: {
            domain: {
              cpu: { sockets: 1, cores: 4, threads: 1 },
              memory: { guest: '8Gi' },
              firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } },
              features: {
                acpi: {},
                apic: {},
                smm: {},
                hyperv: {
                  relaxed: {},
                  vapic: {},
                  spinlocks: { spinlocks: 8191 },
                  vpindex: {},
                  runtime: {},
                  synic: {},
                  synictimer: { direct: {} },
                  reset: {},
                  frequencies: {},
                  reenlightenment: {},
                  tlbflush: {},
                  ipi: {},
                },
              },
              clock: {
                utc: {},
                timer: {
                  hpet: { present: false },
                  pit: { tickPolicy: 'delay' },
                  rtc: { tickPolicy: 'catchup' },
                  hyperv: {},
                },
              },
              devices: {
                autoattachGraphicsDevice: true,
                disks: [
                  { name: 'root', bootOrder: 1, disk: { bus: 'sata' } },
                  { name: 'sysprep', cdrom: { bus: 'sata' } },
                ],
                inputs: [{ name: 'tablet', type: 'tablet', bus: 'usb' }],
                interfaces: [{ name: 'default', model: 'e1000e', masquerade: {} }],
                sound: { name: 'audio', model: 'ich9' },
                video: { type: 'virtio' },
                tpm: { persistent: true },
                clientPassthrough: {},
              },
            },
            hostname: 'engineering-7',
            networks: [{ name: 'default', pod: {} }],
            volumes: [
              { name: 'root', dataVolume: { name: 'engineering-7-root' } },
              { name: 'sysprep', sysprep: { secret: { name: 'win11-unattend' } } },
            ],
            evictionStrategy: 'LiveMigrateIfPossible',
            terminationGracePeriodSeconds: 3600,
          },
        },
      },
    });
  });

  it('renders a Linux desktop from a containerDisk: no disk to clone, cloud-init, no Hyper-V', () => {
    const vm = renderDesktop(
      input({
        pool: pool('callcenter'),
        template: { name: 'fedora', spec: fedora() },
        index: 0,
        runStrategy: 'Always',
      }),
    );
    expect(vm.metadata.name).toBe('callcenter-0');
    expect(vm.spec.runStrategy).toBe('Always');
    expect(vm.spec).not.toHaveProperty('dataVolumeTemplates');
    expect(vmi(vm).domain).toEqual({
      cpu: { sockets: 1, cores: 2, threads: 1 },
      memory: { guest: '4Gi' },
      firmware: { bootloader: { bios: {} } },
      features: { acpi: {} },
      devices: {
        autoattachGraphicsDevice: true,
        disks: [
          { name: 'root', bootOrder: 1, disk: { bus: 'virtio' } },
          { name: 'cloudinit', disk: { bus: 'virtio' } },
        ],
        inputs: [{ name: 'tablet', type: 'tablet', bus: 'usb' }],
        interfaces: [{ name: 'default', model: 'virtio', masquerade: {} }],
        sound: { name: 'audio', model: 'ich9' },
      },
    });
    expect(vmi(vm).volumes).toEqual([
      { name: 'root', containerDisk: { image: 'quay.io/containerdisks/fedora:42' } },
      { name: 'cloudinit', cloudInitNoCloud: { secretRef: { name: 'fedora-cloud-init' } } },
    ]);
    expect(vmi(vm).hostname).toBe('callcenter-0');
    expect(vmi(vm).terminationGracePeriodSeconds).toBe(180);
  });

  it('leaves CPU and memory to an instancetype and names the preference', () => {
    const spec = windows11({
      resources: undefined,
      instancetype: { name: 'u1.large' },
      preference: { name: 'windows.11.virtio' },
    });
    const vm = renderDesktop(input({ template: { name: 'win11', spec } }));
    expect(vm.spec.instancetype).toEqual({ kind: 'VirtualMachineClusterInstancetype', name: 'u1.large' });
    expect(vm.spec.preference).toEqual({ kind: 'VirtualMachineClusterPreference', name: 'windows.11.virtio' });
    expect(vmi(vm).domain).not.toHaveProperty('cpu');
    expect(vmi(vm).domain).not.toHaveProperty('memory');
    expect(vmi(vm).domain).not.toHaveProperty('resources');
    expect(Object.keys(vm.spec)).toEqual([
      'runStrategy',
      'instancetype',
      'preference',
      'dataVolumeTemplates',
      'template',
    ]);
    expect(webhookViolations(vm)).toEqual([]);
  });

  it('names namespaced instancetypes and preferences by their kind', () => {
    const spec = fedora({
      resources: undefined,
      instancetype: { name: 'desktop-small', kind: 'VirtualMachineInstancetype' },
      preference: { name: 'fedora-desktop', kind: 'VirtualMachinePreference' },
    });
    const vm = renderDesktop(input({ template: { name: 'fedora', spec } }));
    expect(vm.spec.instancetype).toEqual({ kind: 'VirtualMachineInstancetype', name: 'desktop-small' });
    expect(vm.spec.preference).toEqual({ kind: 'VirtualMachinePreference', name: 'fedora-desktop' });
  });

  it('keeps the template sizing next to a preference (a preference fills only empty fields)', () => {
    const spec = fedora({ preference: { name: 'fedora' } });
    const vm = renderDesktop(input({ template: { name: 'fedora', spec } }));
    expect(vm.spec.preference).toEqual({ kind: 'VirtualMachineClusterPreference', name: 'fedora' });
    expect(vm.spec).not.toHaveProperty('instancetype');
    expect(vmi(vm).domain.cpu).toEqual({ sockets: 1, cores: 2, threads: 1 });
    expect(vmi(vm).domain.memory).toEqual({ guest: '4Gi' });
  });

  it('clones a PVC, in the pool namespace unless another is named, into the storage class asked for', () => {
    const spec = fedora({
      rootDisk: { source: { pvc: { name: 'fedora-golden' } }, size: 40, storageClassName: 'fast-rwx' },
    });
    const vm = renderDesktop(input({ template: { name: 'fedora', spec }, index: 2 }));
    expect(vm.spec.dataVolumeTemplates).toEqual([
      {
        metadata: { name: 'engineering-2-root', labels: vm.metadata.labels },
        spec: {
          source: { pvc: { name: 'fedora-golden', namespace: NAMESPACE } },
          storage: { resources: { requests: { storage: '40' } }, storageClassName: 'fast-rwx' },
        },
      },
    ]);
    expect(vmi(vm).volumes[0]).toEqual({ name: 'root', dataVolume: { name: 'engineering-2-root' } });

    const elsewhere = fedora({ rootDisk: { source: { pvc: { name: 'golden', namespace: 'images' } }, size: '40Gi' } });
    const vm2 = renderDesktop(input({ template: { name: 'fedora', spec: elsewhere } }));
    expect(vm2.spec.dataVolumeTemplates?.[0]?.spec.source).toEqual({ pvc: { name: 'golden', namespace: 'images' } });
  });

  it('asks CDI for the access mode the template names, and otherwise leaves it to the StorageProfile', () => {
    const shared = fedora({
      rootDisk: { source: { pvc: { name: 'fedora-golden' } }, size: '40Gi', accessMode: 'ReadWriteMany' },
    });
    const vm = renderDesktop(input({ template: { name: 'fedora', spec: shared } }));
    expect(vm.spec.dataVolumeTemplates?.[0]?.spec.storage).toEqual({
      resources: { requests: { storage: '40Gi' } },
      accessModes: ['ReadWriteMany'],
    });
    const plain = fedora({ rootDisk: { source: { pvc: { name: 'fedora-golden' } }, size: '40Gi' } });
    expect(
      renderDesktop(input({ template: { name: 'fedora', spec: plain } })).spec.dataVolumeTemplates?.[0]?.spec.storage,
    ).not.toHaveProperty('accessModes');
  });

  it('defaults the DataSource namespace to the pool namespace', () => {
    const spec = windows11({ rootDisk: { source: { dataSource: { name: 'win11' } }, size: '64Gi' } });
    const vm = renderDesktop(input({ template: { name: 'win11', spec } }));
    expect(vm.spec.dataVolumeTemplates?.[0]?.spec.sourceRef).toEqual({
      kind: 'DataSource',
      name: 'win11',
      namespace: NAMESPACE,
    });
    expect(devices(vm).disks[0]).toEqual({ name: 'root', bootOrder: 1, disk: { bus: 'virtio' } });
  });

  it("places desktops with the pool's nodeSelector, tolerations and affinity, in canonical key order", () => {
    const affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { a: 'b' } } },
          },
        ],
      },
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ operator: 'In', key: 'zone', values: ['a', 'b'] }] }],
        },
      },
    };
    const p = pool('engineering', {
      placement: {
        nodeSelector: { 'z.example/rack': '3', 'kubevdi.io/desktop-host': 'true' },
        tolerations: [
          { key: 'kubevdi.io/desktops', operator: 'Exists', effect: 'NoSchedule' },
          { key: 'maintenance', value: 'soon', effect: 'NoExecute', tolerationSeconds: 600 },
        ],
        affinity,
      },
    });
    const spec = vmi(renderDesktop(input({ pool: p })));
    expect(spec.nodeSelector).toEqual({ 'kubevdi.io/desktop-host': 'true', 'z.example/rack': '3' });
    expect(Object.keys(spec.nodeSelector ?? {})).toEqual(['kubevdi.io/desktop-host', 'z.example/rack']);
    expect(spec.tolerations).toEqual([
      { key: 'kubevdi.io/desktops', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'maintenance', operator: 'Equal', value: 'soon', effect: 'NoExecute', tolerationSeconds: 600 },
    ]);
    expect(spec.affinity).toEqual(affinity);
    expect(Object.keys(spec.affinity ?? {})).toEqual(['nodeAffinity', 'podAntiAffinity']);
    expect(JSON.stringify(spec.affinity)).toContain('{"key":"zone","operator":"In","values":["a","b"]}');
    expect(spec.affinity).not.toBe(affinity);
  });

  it('writes no placement fields for a pool without placement', () => {
    const spec = vmi(renderDesktop(input({ pool: pool('engineering', { placement: { nodeSelector: {} } }) })));
    expect(spec).not.toHaveProperty('nodeSelector');
    expect(spec).not.toHaveProperty('tolerations');
    expect(spec).not.toHaveProperty('affinity');
  });

  it('labels the VM, its VMI template and its disk alike, and makes the pool its controller', () => {
    const vm = renderDesktop(input({ revision: 12 }));
    const expected = {
      [LABELS.pool]: 'engineering',
      [LABELS.template]: 'win11',
      [LABELS.templateRevision]: '12',
      [LABELS.desktop]: 'engineering-7',
      [LABELS.managedBy]: MANAGED_BY,
    };
    expect(vm.metadata.labels).toEqual(expected);
    expect(vm.spec.template.metadata.labels).toEqual(expected);
    expect(vm.spec.dataVolumeTemplates?.[0]?.metadata.labels).toEqual(expected);
    expect(vm.metadata.labels).toMatchObject(poolSelector('engineering'));
    // Separate objects: a caller changing one cannot change the others.
    expect(vm.metadata.labels).not.toBe(vm.spec.template.metadata.labels);
    expect(vm.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'kubevdi.io/v1alpha1',
        kind: 'VirtualDesktopPool',
        name: 'engineering',
        uid: POOL_UID,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('refuses a pool that was not read from the API server, and names that cannot be labels or hostnames', () => {
    const noUid = pool('engineering', {}, '');
    expect(() => renderDesktop(input({ pool: noUid }))).toThrow(/metadata.name, namespace and uid/);
    const longTemplate = 't'.repeat(64);
    expect(() => renderDesktop(input({ template: { name: longTemplate, spec: windows11() } }))).toThrow(
      /cannot be a label value/,
    );
    expect(() => renderDesktop(input({ pool: pool('Bad_Pool') }))).toThrow(/not a DNS label/);
    expect(() => renderDesktop(input({ revision: 0 }))).toThrow(RangeError);
  });

  it('omits the hostname when the template keeps the image hostname', () => {
    const vm = renderDesktop(
      input({ template: { name: 'win11', spec: windows11({ guest: { setHostname: false } }) } }),
    );
    expect(vmi(vm)).not.toHaveProperty('hostname');
    expect(vmi(vm).volumes.map((v) => v.name)).toEqual(['root']);
    expect(devices(vm).disks.map((d) => d.name)).toEqual(['root']);
  });

  it('maps firmware, TPM, sound, video, USB redirection, network and eviction from the template', () => {
    const render = (overrides: Record<string, unknown>) =>
      renderDesktop(input({ template: { name: 'win11', spec: windows11(overrides) } }));

    const ephemeralTpm = render({ firmware: { type: 'EFI', tpm: 'Ephemeral' } });
    expect(devices(ephemeralTpm).tpm).toEqual({});
    expect(vmi(ephemeralTpm).domain.firmware).toEqual({ bootloader: { efi: { secureBoot: false } } });
    expect(vmi(ephemeralTpm).domain.features).not.toHaveProperty('smm');
    expect(devices(render({ firmware: { type: 'EFI' } }))).not.toHaveProperty('tpm');

    const quiet = render({ display: { sound: 'None', video: 'Default', usbRedirection: false } });
    expect(devices(quiet)).not.toHaveProperty('sound');
    expect(devices(quiet)).not.toHaveProperty('video');
    expect(devices(quiet)).not.toHaveProperty('clientPassthrough');
    expect(devices(render({ display: { sound: 'AC97' } })).sound).toEqual({ name: 'audio', model: 'ac97' });
    for (const [video, type] of [
      ['VGA', 'vga'],
      ['Virtio', 'virtio'],
      ['Bochs', 'bochs'],
      ['Cirrus', 'cirrus'],
      ['Ramfb', 'ramfb'],
    ]) {
      expect(devices(render({ display: { video } })).video).toEqual({ type });
    }

    const multus = render({ network: { interfaceModel: 'virtio', multusNetworkName: 'vdi/desktop-lan' } });
    expect(devices(multus).interfaces).toEqual([{ name: 'default', model: 'virtio', bridge: {} }]);
    expect(vmi(multus).networks).toEqual([{ name: 'default', multus: { networkName: 'vdi/desktop-lan' } }]);

    expect(vmi(render({ evictionStrategy: 'LiveMigrate' })).evictionStrategy).toBe('LiveMigrate');
  });

  it('is deterministic: the same input gives a deep-equal VM with the same key order, and leaves the input alone', () => {
    const placement = {
      nodeSelector: { b: '2', a: '1' },
      tolerations: [{ key: 'k', operator: 'Exists' }],
      affinity: { nodeAffinity: { z: 1, a: [{ y: 1, b: 2 }] } },
    };
    const make = () => input({ pool: pool('engineering', { placement }) });
    const first = make();
    const frozen = structuredClone(first);
    const a = renderDesktop(first);
    const b = renderDesktop(make());
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(first).toEqual(frozen);

    // Inputs built in another key order render byte-identical output.
    const reordered = input({
      pool: pool('engineering', {
        placement: {
          affinity: { nodeAffinity: { a: [{ b: 2, y: 1 }], z: 1 } },
          tolerations: [{ operator: 'Exists', key: 'k' }],
          nodeSelector: { a: '1', b: '2' },
        },
      }),
    });
    expect(JSON.stringify(renderDesktop(reordered))).toBe(JSON.stringify(a));

    // Changing the output does not leak into the next render.
    a.spec.template.spec.domain.devices.disks.pop();
    (a.metadata.labels as Record<string, string>).x = 'y';
    expect(renderDesktop(make())).toEqual(b);
  });
});

describe('KubeVirt webhook rules', () => {
  /** Every combination of the template fields that change the rendered hardware. */
  function* templates(): Generator<[string, VMTemplateSpec]> {
    const firmwares = [
      { type: 'BIOS' },
      { type: 'BIOS', tpm: 'Ephemeral' },
      { type: 'EFI' },
      { type: 'EFI', secureBoot: true },
      { type: 'EFI', secureBoot: true, persistentNVRAM: true, tpm: 'Persistent' },
      { type: 'EFI', persistentNVRAM: true, tpm: 'Ephemeral' },
    ];
    const sources = [
      { source: { dataSource: { name: 'golden' } }, size: '30Gi', bus: 'sata' },
      { source: { pvc: { name: 'golden', namespace: 'images' } }, size: '30Gi', storageClassName: 'rwx', bus: 'scsi' },
      { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
    ];
    const sizes = [
      { resources: { cpu: { cores: 2, sockets: 2, threads: 2 }, memory: '4Gi' } },
      { resources: undefined, instancetype: { name: 'u1.large' }, preference: { name: 'windows.11' } },
    ];
    const displays = [
      { video: 'Default', sound: 'None', usbRedirection: false },
      { video: 'Virtio', sound: 'ICH9', usbRedirection: true },
      { video: 'Cirrus', sound: 'AC97' },
    ];
    const networks = [{}, { interfaceModel: 'e1000e', multusNetworkName: 'lan' }];
    for (const os of ['Windows', 'Linux'] as const) {
      const guests = [
        { setHostname: false },
        os === 'Windows' ? { sysprepSecretRef: { name: 'unattend' } } : { cloudInitSecretRef: { name: 'ci' } },
      ];
      for (const [f, firmware] of firmwares.entries())
        for (const [s, rootDisk] of sources.entries())
          for (const [z, size] of sizes.entries())
            for (const [d, display] of displays.entries())
              for (const [n, network] of networks.entries())
                for (const [g, guest] of guests.entries()) {
                  const spec = { os: { type: os }, rootDisk, firmware, display, network, guest, ...size };
                  yield [`${os} f${f} s${s} z${z} d${d} n${n} g${g}`, (os === 'Windows' ? windows11 : fedora)(spec)];
                }
    }
  }

  it('are obeyed by every desktop any template renders to', () => {
    let count = 0;
    for (const [label, spec] of templates()) {
      for (const runStrategy of ['Always', 'Halted'] as const) {
        const vm = renderDesktop(input({ template: { name: 't', spec }, runStrategy }));
        expect(webhookViolations(vm), label).toEqual([]);
        count++;
      }
    }
    expect(count).toBe(2 * 6 * 3 * 2 * 3 * 2 * 2 * 2);
  });

  // Each rule, broken on purpose: the check catches it, and the renderer's output passes it.
  const rendered = () => renderDesktop(input());
  const breaks: [string, (vm: VirtualMachine) => void, RegExp][] = [
    ['runStrategy must be set', (vm) => Reflect.deleteProperty(vm.spec, 'runStrategy'), /RunStrategy must be/],
    ['not together with spent `running`', (vm) => Object.assign(vm.spec, { running: true }), /mutually exclusive/],
    ['memory must be requested', (vm) => Reflect.deleteProperty(vmi(vm).domain, 'memory'), /no memory requested/],
    [
      'no cpu/memory next to an instancetype',
      (vm) => Object.assign(vm.spec, { instancetype: { kind: 'VirtualMachineClusterInstancetype', name: 'u1.large' } }),
      /cpu.sockets conflicts/,
    ],
    ['secure boot needs SMM', (vm) => Reflect.deleteProperty(vmi(vm).domain.features, 'smm'), /requires SMM/],
    [
      'inputs are tablets',
      (vm) => Object.assign(devices(vm).inputs[0] ?? {}, { type: 'keyboard' }),
      /only tablet type/,
    ],
    ['sound has a name', (vm) => Object.assign(devices(vm).sound ?? {}, { name: '' }), /requires a name/],
    [
      'video needs the graphics device',
      (vm) => Object.assign(devices(vm), { autoattachGraphicsDevice: false }),
      /not allowed without a graphics device/,
    ],
    ['every volume has a disk', (vm) => devices(vm).disks.pop(), /volume sysprep has no disk/],
    [
      'no virtio CD-ROM',
      (vm) => Object.assign(devices(vm).disks[1] ?? {}, { cdrom: { bus: 'virtio' } }),
      /invalid for CD-ROM/,
    ],
    [
      'unique boot order',
      (vm) => Object.assign(devices(vm).disks[1] ?? {}, { bootOrder: 1 }),
      /boot order set for two/,
    ],
    [
      'synic needs vpindex',
      (vm) => Reflect.deleteProperty(vmi(vm).domain.features.hyperv ?? {}, 'vpindex'),
      /synic requires vpindex/,
    ],
    ['hostname is a DNS label', (vm) => Object.assign(vmi(vm), { hostname: 'Desk_7' }), /DNS_LABEL/],
    ['interfaces match networks', (vm) => vmi(vm).networks.pop(), /interface needs a network/],
  ];
  for (const [rule, breakIt, message] of breaks) {
    it(`${rule}`, () => {
      const vm = rendered();
      expect(webhookViolations(vm)).toEqual([]);
      breakIt(vm);
      expect(webhookViolations(vm).join('\n')).toMatch(message);
    });
  }
});
