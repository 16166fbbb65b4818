// fast-check arbitraries for what a person may write in a VMTemplate and a VirtualDesktopPool: every
// field of the zod schemas in src/api/, with the values their types and patterns allow (boundaries,
// long names, odd but legal quantities), and now and then values a person might mistype. Whether a
// spec is acceptable is the API server's to say (its CEL rules included): the property test sends
// each one there first, so these generate the *shapes* faithfully and leave the verdict to it.
import fc from 'fast-check';
import { MAX_POOL_NAME_LENGTH, QUANTITY_PATTERN } from '../../src/api/index.js';

type Spec = Record<string, unknown>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** An optional field: absent, or one of the values. */
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** A string matching `pattern` of at most `max` characters, and sometimes exactly `max` long. */
function matching(pattern: RegExp, max: number, longest?: string): fc.Arbitrary<string> {
  const short = fc.stringMatching(pattern).filter((s) => s.length <= max);
  return longest === undefined
    ? short
    : fc.oneof({ weight: 9, arbitrary: short }, { weight: 1, arbitrary: fc.constant(longest) });
}

/** DNS label of at most `max` characters. */
export const dnsLabel = (max: number) => matching(DNS_LABEL, max, `a${'b'.repeat(max - 2)}c`);
const dnsSubdomain = (max: number) =>
  matching(DNS_SUBDOMAIN, max, `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(max - 192)}`);
const objectName = dnsSubdomain(253);
const labelValue = fc.oneof(fc.constant(''), matching(LABEL_NAME, 63, 'v'.repeat(63)));
/** A label key as Kubernetes writes them: an optional DNS prefix and a name. */
const labelKey = fc
  .tuple(opt(dnsSubdomain(253)), matching(LABEL_NAME, 63, 'k'.repeat(63)))
  .map(([prefix, name]) => (prefix ? `${prefix}/${name}` : name))
  .filter((k) => k.length <= 316);
/** Anything a person might type where a name goes: mostly right, sometimes not. */
const typed = (right: fc.Arbitrary<string>, max: number) =>
  fc.oneof({ weight: 40, arbitrary: right }, { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: max }) });

/** apimachinery's quantity pattern, looser than the API's (see QUANTITY_PATTERN): what a person might write. */
const APIMACHINERY_QUANTITY =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** resource.Quantity values: plain sizes, fractions, exponents, and any other string the pattern allows. */
const quantity = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 40 }),
  fc
    .tuple(
      fc.integer({ min: 1, max: 4096 }),
      fc.constantFrom('', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'k', 'M', 'G', 'T', 'm'),
    )
    .map(([n, suffix]) => `${n}${suffix}`),
  fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 9 })).map(([a, b]) => `${a}.${b}Gi`),
  fc.integer({ min: 0, max: 12 }).map((e) => `1e${e}`),
  fc.stringMatching(QUANTITY_PATTERN).filter((s) => s.length <= 64),
  { weight: 1, arbitrary: fc.stringMatching(APIMACHINERY_QUANTITY).filter((s) => s.length <= 64) },
);

// --- VMTemplate ------------------------------------------------------------------------------------

const sourceRef = fc.record({ name: objectName, namespace: opt(dnsLabel(63)) }, { requiredKeys: ['name'] });

const rootDisk: fc.Arbitrary<Spec> = fc
  .tuple(
    fc.constantFrom('dataSource', 'pvc', 'containerDisk'),
    sourceRef,
    matching(/^\S+$/, 512),
    quantity,
    opt(objectName),
    opt(fc.constantFrom('virtio', 'sata', 'scsi')),
    opt(fc.constantFrom('ReadWriteOnce', 'ReadWriteMany')),
  )
  .map(([kind, ref, image, size, storageClassName, bus, accessMode]) =>
    kind === 'containerDisk'
      ? { source: { containerDisk: { image } }, bus }
      : { source: { [kind]: ref }, size, storageClassName, bus, accessMode },
  );

const firmware: fc.Arbitrary<Spec> = fc
  .record({
    type: opt(fc.constantFrom('BIOS', 'EFI')),
    secureBoot: opt(fc.boolean()),
    persistentNVRAM: opt(fc.boolean()),
    tpm: opt(fc.constantFrom('None', 'Ephemeral', 'Persistent')),
  })
  .map((f) => (f.type === 'BIOS' ? { ...f, secureBoot: undefined, persistentNVRAM: undefined } : f));

export const templateSpec: fc.Arbitrary<Spec> = fc
  .record({
    displayName: opt(fc.string({ maxLength: 128 })),
    os: fc.record({
      type: fc.constantFrom('Windows', 'Linux'),
      version: opt(matching(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, 63)),
    }),
    sizing: fc.oneof(
      fc.record({
        resources: fc.record({
          cpu: fc.record(
            {
              cores: fc.integer({ min: 1, max: 512 }),
              sockets: fc.integer({ min: 1, max: 64 }),
              threads: fc.integer({ min: 1, max: 8 }),
            },
            { requiredKeys: ['cores'] },
          ),
          memory: quantity,
        }),
      }),
      fc.record({
        instancetype: fc.record(
          {
            name: objectName,
            kind: fc.constantFrom('VirtualMachineClusterInstancetype', 'VirtualMachineInstancetype'),
          },
          { requiredKeys: ['name'] },
        ),
      }),
    ),
    preference: opt(
      fc.record(
        { name: objectName, kind: fc.constantFrom('VirtualMachineClusterPreference', 'VirtualMachinePreference') },
        { requiredKeys: ['name'] },
      ),
    ),
    rootDisk,
    firmware: opt(firmware),
    display: opt(
      fc.record(
        {
          video: fc.constantFrom('Default', 'VGA', 'Virtio', 'Bochs', 'Cirrus', 'Ramfb'),
          sound: fc.constantFrom('None', 'ICH9', 'AC97'),
          usbRedirection: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    ),
    network: opt(
      fc.record(
        {
          interfaceModel: fc.constantFrom('virtio', 'e1000e'),
          multusNetworkName: fc
            .tuple(opt(dnsLabel(63)), dnsLabel(63))
            .map(([ns, name]) => (ns ? `${ns}/${name}` : name)),
        },
        { requiredKeys: [] },
      ),
    ),
    guest: opt(
      fc.record(
        {
          secret: fc.constantFrom('cloudInitSecretRef', 'sysprepSecretRef'),
          name: objectName,
          setHostname: fc.boolean(),
        },
        { requiredKeys: ['secret', 'name'] },
      ),
    ),
    evictionStrategy: opt(fc.constantFrom('LiveMigrate', 'LiveMigrateIfPossible', 'None', 'External')),
    revisionHistoryLimit: opt(fc.integer({ min: 1, max: 100 })),
  })
  .map(({ sizing, guest, os, ...rest }) => {
    // A sysprep answer file only on Windows, as the CRD's rule says; otherwise cloud-init.
    const secret = guest && (os.type === 'Windows' ? guest.secret : 'cloudInitSecretRef');
    return withoutUndefined({
      ...rest,
      os,
      ...sizing,
      ...(guest && { guest: { [secret as string]: { name: guest.name }, setHostname: guest.setHostname } }),
    });
  });

// --- VirtualDesktopPool ----------------------------------------------------------------------------

const toleration: fc.Arbitrary<Spec> = fc
  .record(
    {
      key: typed(labelKey, 316),
      operator: fc.constantFrom('Exists', 'Equal'),
      value: typed(labelValue, 63),
      effect: fc.constantFrom('NoSchedule', 'PreferNoSchedule', 'NoExecute'),
      tolerationSeconds: fc.oneof(fc.integer({ min: 0, max: 86_400 }), fc.constant(2 ** 31)),
    },
    { requiredKeys: [] },
  )
  .chain((t) =>
    // tolerationSeconds belongs with NoExecute; now and then it is written with another effect.
    mostly(fc.constant(t.effect === 'NoExecute'), fc.constant(true)).map((keepSeconds) => {
      // The rules the CRD already stated before the property test (Exists takes no value, Equal
      // needs a key) held, so the cases explore the rest.
      const { value, ...rest } = t;
      const out = t.operator === 'Exists' ? rest : { ...t, key: t.key || 'node-role.kubernetes.io/desktop' };
      return withoutUndefined(keepSeconds ? out : { ...out, tolerationSeconds: undefined });
    }),
  );

const values = fc.array(typed(labelValue, 63), { maxLength: 4 });
/** Mostly what a person means; now and then one of the slips Kubernetes refuses. */
const mostly = <T>(right: fc.Arbitrary<T>, slip: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 30, arbitrary: right }, { weight: 1, arbitrary: slip });
/** Values that fit the operator (In/NotIn some, Exists/DoesNotExist none, Gt/Lt one integer). */
const fitting = (operator: string) =>
  operator === 'In' || operator === 'NotIn'
    ? fc.array(typed(labelValue, 63), { minLength: 1, maxLength: 4 })
    : operator === 'Gt' || operator === 'Lt'
      ? mostly(fc.nat(1000), fc.integer({ min: -5, max: -1 })).map((n) => [String(n)])
      : fc.constant(undefined);
const requirementWith = (operators: string[]) =>
  fc
    .tuple(typed(labelKey, 316), fc.constantFrom(...operators))
    .chain(([key, operator]) =>
      mostly(fitting(operator), opt(values)).map((v) => withoutUndefined({ key, operator, values: v })),
    );
const requirement = requirementWith(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);
const selectorRequirement = requirementWith(['In', 'NotIn', 'Exists', 'DoesNotExist']);
const nodeSelectorTerm = fc.record(
  {
    matchExpressions: fc.array(requirement, { maxLength: 3 }),
    matchFields: fc.array(
      mostly(
        fc.record({
          key: fc.constant('metadata.name'),
          operator: fc.constantFrom('In', 'NotIn'),
          values: fc.array(dnsSubdomain(253), { minLength: 1, maxLength: 1 }),
        }),
        fc.record({
          key: fc.constantFrom('metadata.name', 'spec.nodeName'),
          operator: fc.constantFrom('In', 'NotIn', 'Exists'),
          values: fc.array(dnsSubdomain(253), { maxLength: 2 }),
        }),
      ),
      { maxLength: 1 },
    ),
  },
  { requiredKeys: [] },
);
const labelSelector = fc.record(
  {
    matchLabels: fc.dictionary(typed(labelKey, 316), typed(labelValue, 63), { maxKeys: 3 }),
    matchExpressions: fc.array(selectorRequirement, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const podAffinityTerm = fc.record(
  {
    labelSelector,
    namespaceSelector: labelSelector,
    namespaces: fc.array(typed(dnsLabel(63), 63), { maxLength: 2 }),
    topologyKey: typed(labelKey, 316),
  },
  { requiredKeys: ['topologyKey'] },
);
const weight = mostly(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, 101));
const podAffinity = fc.record(
  {
    requiredDuringSchedulingIgnoredDuringExecution: fc.array(podAffinityTerm, { maxLength: 2 }),
    preferredDuringSchedulingIgnoredDuringExecution: fc.array(fc.record({ weight, podAffinityTerm }), {
      maxLength: 2,
    }),
  },
  { requiredKeys: [] },
);
/** A Pod affinity; now and then with a field Kubernetes does not have (a misspelling). */
const affinity: fc.Arbitrary<Spec> = fc
  .record(
    {
      nodeAffinity: fc.record(
        {
          requiredDuringSchedulingIgnoredDuringExecution: fc.record({
            nodeSelectorTerms: mostly(
              fc.array(nodeSelectorTerm, { minLength: 1, maxLength: 2 }),
              fc.array(nodeSelectorTerm, { maxLength: 0 }),
            ),
          }),
          preferredDuringSchedulingIgnoredDuringExecution: fc.array(
            fc.record({ weight, preference: nodeSelectorTerm }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      podAffinity,
      podAntiAffinity: podAffinity,
      misspelt: mostly(
        fc.constant(undefined),
        fc.constantFrom('nodeAfinity', 'podAntiAffinty', 'requiredDuringScheduling'),
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ misspelt, ...a }) => (misspelt ? { ...a, [misspelt]: {} } : a));

const placement: fc.Arbitrary<Spec> = fc.record(
  {
    nodeSelector: fc.dictionary(typed(labelKey, 316), typed(labelValue, 63), { maxKeys: 4 }),
    tolerations: fc.array(toleration, { maxLength: 4 }),
    affinity,
  },
  { requiredKeys: [] },
);

/** A pool spec for the template `templateName`, with `size` desktops. */
export const poolSpec = (templateName: string): fc.Arbitrary<Spec> =>
  fc
    .record({
      displayName: opt(fc.string({ maxLength: 128 })),
      revision: opt(fc.integer({ min: 1, max: 1000 })),
      size: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(5000)),
      prestartedShare: fc.double({ min: 0, max: 1, noNaN: true }),
      assignment: opt(fc.constantFrom('Automatic', 'Manual')),
      persistence: opt(fc.constantFrom('Stateless', 'Persistent')),
      maxDesktopsPerUser: opt(fc.integer({ min: 1, max: 1000 })),
      access: opt(
        fc.record({
          users: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 256 }), { maxLength: 3 }),
          groups: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 256 }), { maxLength: 3 }),
        }),
      ),
      session: opt(
        fc.record({
          logoff: fc.record({
            action: fc.constantFrom('Release', 'None'),
            gracePeriodMinutes: fc.integer({ min: 0, max: 7 * 24 * 60 }),
          }),
          idle: fc.record({
            action: fc.constantFrom('Release', 'PowerOff', 'None'),
            timeoutMinutes: fc.integer({ min: 0, max: 7 * 24 * 60 }),
          }),
        }),
      ),
      updateStrategy: opt(
        fc.record({
          type: fc.constantFrom('OnRelease', 'Manual'),
          maxUnavailable: fc.oneof(
            fc.nat(100),
            fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`),
          ),
        }),
      ),
      placement: opt(placement),
      rdp: opt(fc.record({ enabled: fc.boolean() })),
      paused: opt(fc.boolean()),
    })
    .map(({ revision, prestartedShare, ...rest }) =>
      withoutUndefined({
        ...rest,
        templateRef: { name: templateName, revision },
        prestarted: Math.floor(rest.size * prestartedShare),
      }),
    );

/** A pool name: a DNS label short enough to leave room for the desktop index. */
export const poolName = dnsLabel(MAX_POOL_NAME_LENGTH);
/** A template name: an object name short enough for the label desktops carry. */
export const templateName = matching(DNS_SUBDOMAIN, 63, `t${'e'.repeat(61)}t`);

/** JSON has no undefined: drop such keys at every level, as the API server would never see them. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}
