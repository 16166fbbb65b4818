// VirtualDesktopPool: RHEV's VM pool. How many desktops of which template, how many kept warm,
// how they are handed out and given back, and who may use them.
import { z } from 'zod';
import { Capacity, CapacityStatus } from './capacity.js';
import type { KindDefinition } from './crd.js';
import { Growth, GrowthStatus } from './growth.js';
import {
  API_VERSION,
  cel,
  conditions,
  displayName,
  ObjectMeta,
  objectName,
  observedGeneration,
  stringSet,
} from './meta.js';
import { Affinity, nodeSelector, Toleration } from './placement.js';
import { PoolUsage } from './pool-usage.js';
import { ProfileDiskSpec } from './profile-disk.js';
import { RdpSignIn, TransferDirection } from './remote-desktop.js';
import { resourceTypeOf } from './resource-type.js';

/**
 * Desktops are named `<pool>-<index>` and that name is also the guest's hostname and part of
 * its pod's name, so pool names are DNS labels short enough to leave room for the index.
 */
export const MAX_POOL_NAME_LENGTH = 50;
/** The most desktops one pool may have (what the benchmarks grow to, in pools of this size). */
export const MAX_POOL_SIZE = 5000;

export const Assignment = z.enum(['Automatic', 'Manual']);
export const Persistence = z.enum(['Stateless', 'Persistent']);

const TemplateReference = z
  .object({
    name: objectName('Name of the VMTemplate in the same namespace.'),
    revision: z
      .int()
      .min(1)
      .optional()
      .describe(
        'Pin the pool to this revision number of the template; when empty the pool follows the newest revision.',
      ),
  })
  .describe('The template the desktops are made from.');

const Access = z
  .object({
    users: stringSet(
      z.string().min(1).max(256),
      1000,
      'User names, as the API server knows them (e.g. "oidc:alice@example.com"), entitled to take desktops from this pool.',
    ).prefault([]),
    groups: stringSet(
      z.string().min(1).max(256),
      200,
      'Groups, as the API server knows them (e.g. "oidc:sales"), whose members are entitled to take desktops from this pool.',
    ).prefault([]),
  })
  .describe(
    'Who may use the pool: the operator grants these users and groups the right to claim desktops from it. Nobody when empty.',
  );

const minutes = (description: string, defaultValue: number) =>
  z
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .default(defaultValue)
    .describe(description);

const LogoffPolicy = z
  .object({
    action: z
      .enum(['Release', 'None'])
      .default('Release')
      .describe(
        'What happens in an Automatic pool when the guest agent reports that the user logged off: Release ends the claim and the desktop goes back to the pool (reset first if the pool is Stateless); None keeps the claim. Manual pools ignore it: their desktops belong to their users.',
      ),
    gracePeriodMinutes: minutes(
      'How long to wait after logoff before acting, so a quick re-logon keeps the desktop.',
      5,
    ),
  })
  .describe("After oVirt's console-disconnect action and Horizon's automatic logoff.");

const IdlePolicy = z
  .object({
    action: z
      .enum(['Release', 'PowerOff', 'None'])
      .default('Release')
      .describe(
        'What happens to a claimed desktop that nobody has been logged on to for timeoutMinutes: Release ends the claim (an Automatic pool takes the desktop back, a Manual pool keeps it for the same user), PowerOff shuts it down and keeps the claim, None does nothing.',
      ),
    timeoutMinutes: minutes('Minutes with nobody logged on before the action; 0 never acts.', 120),
  })
  .describe('Desktops held but unused.');

const Session = z
  .object({
    logoff: LogoffPolicy.prefault({}),
    idle: IdlePolicy.prefault({}),
  })
  .describe('Session policies.');

const UpdateStrategy = z
  .object({
    type: z
      .enum(['OnRelease', 'Manual'])
      .default('OnRelease')
      .describe(
        'OnRelease: idle desktops are recreated on a new template revision at once, held ones when they are released. Manual: only desktops an administrator deletes are recreated.',
      ),
    maxUnavailable: z
      .union([z.int().min(0), z.string().regex(/^(100|[1-9]?[0-9])%$/)])
      .default('25%')
      .describe('How many idle desktops may be recreated at the same time: a number or a percentage of size.'),
  })
  .describe('How a new template revision reaches the desktops.');

const Maintenance = z
  .object({
    noticeMinutes: z
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .default(60)
      .describe(
        'When a node goes into maintenance (cordoned, or tainted kubevdi.io/maintenance), a held desktop there that cannot migrate live is restarted on another node this long after its holder is told, unless the node names an earlier or later time in its kubevdi.io/maintenance-deadline annotation. Free desktops move at once, within updateStrategy.maxUnavailable.',
      ),
  })
  .describe('How the pool leaves nodes in maintenance.');

const Placement = z
  .object({
    nodeSelector: nodeSelector.optional(),
    tolerations: z.array(Toleration).max(32).optional().describe('Taints of desktop hosts the desktops tolerate.'),
    affinity: Affinity.optional(),
  })
  .describe('Which hosts (nodes) run the desktops.');

export const RdpSettings = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe("Expose each desktop's RDP port (3389) through a Service, for guests that serve RDP."),
    multipleMonitors: z
      .boolean()
      .default(false)
      .describe(
        "Native Remote Desktop clients (the .rdp file the portal offers) span all of the user's monitors. The browser shows one monitor, full screen or in a window.",
      ),
    clipboard: TransferDirection.default('ToDesktop').describe(
      "Which way copy and paste may go between the person's computer and the desktop: Both; ToDesktop (paste into the desktop, copy nothing out of it); FromDesktop (copy out of it only); None. Default ToDesktop, as Horizon's: what is in the desktop stays there. The portal's remote desktop page follows it, and the .rdp file turns the clipboard on only for Both (a native client cannot be told one way). With clipboard and fileTransfer both None, the portal's gateway also keeps the desktop from opening its clipboard channel, whatever the browser asks. Where people may use other clients, set the desktop's own policy too (Windows: the Remote Desktop Session Host's clipboard redirection policies; xrdp: RestrictOutboundClipboard and RestrictInboundClipboard).",
    ),
    fileTransfer: TransferDirection.default('ToDesktop').describe(
      "Which way files may go between the person's computer and the desktop: Both; ToDesktop (upload only); FromDesktop (download only); None. Default ToDesktop, as Horizon's HTML Access: upload only. In the browser, files travel through the clipboard channel: an uploaded file is put on the desktop's clipboard, to paste into a folder there, and files copied in the desktop can be downloaded. The .rdp file redirects the person's drives only for Both.",
    ),
    signIn: RdpSignIn.default('WhenAsked').describe(
      "How the person signs in to the desktop from the browser. WhenAsked: the page connects without credentials, and asks for the desktop's user name and password when the desktop requires Network Level Authentication (Windows does by default). BeforeConnecting: the page asks first, and the desktop logs the person on with them over TLS — for desktops without Network Level Authentication, such as Linux with xrdp, whose own logon screen the browser cannot draw. The portal passes them on and keeps nothing.",
    ),
  })
  .describe('Remote Desktop Protocol access, besides the VNC console.');

export const VirtualDesktopPoolSpec = cel(
  z
    .object({
      displayName: displayName('pool'),
      templateRef: TemplateReference,
      size: z
        .int()
        .min(0)
        .max(MAX_POOL_SIZE)
        .describe(
          'How many desktops the pool has at most; claims take them up to this number. With growth, the most it grows to.',
        ),
      growth: Growth.optional(),
      prestarted: z
        .int()
        .min(0)
        .default(0)
        .describe(
          'How many unassigned desktops are kept powered on and ready, day and night, so a user gets one in seconds. At most size. For a count that follows the clock, set capacity instead (not both).',
        ),
      capacity: Capacity.optional(),
      assignment: Assignment.default('Automatic').describe(
        'Automatic (floating): a desktop goes back to the pool when its user releases it. Manual (dedicated): a desktop stays with its first user for good. Cannot change while the pool has desktops.',
      ),
      persistence: Persistence.default('Stateless').describe(
        'Stateless: the disk is reset to the template when the desktop is released. Persistent: the disk keeps what the user did.',
      ),
      maxDesktopsPerUser: z.int().default(1).describe('How many desktops of this pool one user may hold at once.'),
      access: Access.prefault({}),
      session: Session.prefault({}),
      updateStrategy: UpdateStrategy.prefault({}),
      maintenance: Maintenance.prefault({}),
      placement: Placement.optional(),
      rdp: RdpSettings.prefault({}),
      profileDisk: ProfileDiskSpec.optional(),
      paused: z
        .boolean()
        .default(false)
        .describe(
          "Stop changing the pool's desktops (no creation, deletion or updates); claims of already existing desktops still work.",
        ),
    })
    .describe('How many desktops of which template, how they are handed out and given back, and who may use them.'),
  {
    rule: 'self.prestarted <= self.size',
    // A messageExpression quoting both numbers would be friendlier, but CEL's cost estimate of
    // string(int) is unbounded and the API server refuses the CRD.
    message: 'prestarted cannot be larger than size: a pool cannot keep more desktops warm than it has',
    fieldPath: '.prestarted',
  },
  {
    // Both would say how many are warm; which one wins would be a guess.
    rule: '!has(self.capacity) || self.prestarted == 0',
    message:
      'prestarted and capacity cannot both be set: capacity decides the warm desktops in its windows and offPeakWarm outside them; remove prestarted',
    fieldPath: '.prestarted',
  },
  {
    // A Persistent desktop's disk is someone's work: never deleted to freshen it.
    rule: "!has(self.capacity) || !has(self.capacity.warmTimeToLiveMinutes) || self.persistence == 'Stateless'",
    message:
      'capacity.warmTimeToLiveMinutes replaces warm desktops with fresh ones, which only a Stateless pool may do; remove it or make the pool Stateless',
    fieldPath: '.capacity.warmTimeToLiveMinutes',
  },
  {
    rule: '!has(self.growth) || self.growth.minSize <= self.size',
    message: 'growth.minSize cannot be larger than size: size is the most desktops the pool grows to',
    fieldPath: '.growth.minSize',
  },
  {
    // A Persistent desktop keeps what its person did on its own disk (Manual), or hands that
    // disk to the next person (Automatic): a profile disk there would be a second copy of the
    // data, or one person's data beside another's. Refused rather than ignored, so nobody
    // believes their people have one.
    rule: "!has(self.profileDisk) || self.persistence == 'Stateless'",
    message:
      'profileDisk is for Stateless pools, whose reset would otherwise throw away what people did; a Persistent desktop keeps it on its own disk: remove profileDisk or make the pool Stateless',
    fieldPath: '.profileDisk',
  },
  {
    rule: 'self.maxDesktopsPerUser >= 1',
    message: 'maxDesktopsPerUser must be at least 1',
    fieldPath: '.maxDesktopsPerUser',
  },
);

export const VirtualDesktopPoolStatus = z
  .object({
    observedGeneration: observedGeneration(),
    desktops: z.int().min(0).optional().describe('Desktops (VirtualMachines) the pool has.'),
    ready: z.int().min(0).optional().describe('Desktops running and ready for a user.'),
    available: z
      .int()
      .min(0)
      .optional()
      .describe('Desktops a new claim can get now: unassigned and not being updated.'),
    assigned: z.int().min(0).optional().describe('Desktops bound to a user.'),
    updated: z.int().min(0).optional().describe("Desktops on the pool's target template revision."),
    templateRevision: z.int().min(1).optional().describe('Template revision number the pool is rolling out.'),
    capacity: CapacityStatus.optional(),
    growth: GrowthStatus.optional(),
    selector: z.string().optional().describe("Label selector of the pool's desktops, for the scale subresource."),
    usage: PoolUsage.optional(),
    conditions: conditions('Available, Progressing and Degraded, as for a Deployment.'),
  })
  .describe('What the operator observed.');

export const VirtualDesktopPool = cel(
  z.object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('VirtualDesktopPool'),
    metadata: ObjectMeta,
    spec: VirtualDesktopPoolSpec,
    status: VirtualDesktopPoolStatus.optional(),
  }),
  {
    rule: 'self.spec.assignment == oldSelf.spec.assignment || !has(oldSelf.status) || !has(oldSelf.status.desktops) || oldSelf.status.desktops == 0',
    message:
      'spec.assignment cannot change while the pool has desktops, because their users would silently gain or lose them; scale the pool to 0, wait until status.desktops is 0, then change it',
    fieldPath: '.spec.assignment',
  },
);

export type VirtualDesktopPool = z.infer<typeof VirtualDesktopPool>;
export type VirtualDesktopPoolSpec = z.infer<typeof VirtualDesktopPoolSpec>;
export type VirtualDesktopPoolStatus = z.infer<typeof VirtualDesktopPoolStatus>;

export const virtualDesktopPoolKind: KindDefinition = {
  kind: 'VirtualDesktopPool',
  plural: 'virtualdesktoppools',
  shortNames: ['vdp'],
  description:
    'A VirtualDesktopPool keeps a number of desktops (KubeVirt VirtualMachines) of one VMTemplate and hands them to users through DesktopClaims, like a VM pool in RHEV.',
  schema: VirtualDesktopPool,
  printerColumns: [
    {
      name: 'Template',
      type: 'string',
      jsonPath: '.spec.templateRef.name',
      description: 'The VMTemplate of the desktops.',
    },
    { name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'Desktops the pool has at most.' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.ready', description: 'Desktops running and ready.' },
    {
      name: 'Available',
      type: 'integer',
      jsonPath: '.status.available',
      description: 'Desktops a new claim can get now.',
    },
    { name: 'Assigned', type: 'integer', jsonPath: '.status.assigned', description: 'Desktops bound to a user.' },
    {
      name: 'Warm',
      type: 'integer',
      jsonPath: '.status.capacity.warmTarget',
      description: 'Idle desktops kept warm now.',
    },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.capacity.phase',
      description: 'Fixed (prestarted), InWindow, RampDown or OffPeak.',
    },
    {
      name: 'Window',
      type: 'string',
      jsonPath: '.status.capacity.window',
      description: 'The capacity window that holds, or whose surplus is being powered off.',
    },
    {
      // A string, not a date: kubectl shows a date in the future as <invalid>.
      name: 'Next Change',
      type: 'string',
      jsonPath: '.status.capacity.nextChange',
      description: "When the warm target changes next, in the schedule's time zone.",
    },
    {
      name: 'Assignment',
      type: 'string',
      jsonPath: '.spec.assignment',
      description: 'Automatic or Manual.',
      priority: 1,
    },
    {
      name: 'Persistence',
      type: 'string',
      jsonPath: '.spec.persistence',
      description: 'Stateless or Persistent.',
      priority: 1,
    },
    {
      name: 'Revision',
      type: 'integer',
      jsonPath: '.status.templateRevision',
      description: 'Template revision rolled out.',
      priority: 1,
    },
  ],
  nameRule: {
    rule: `self.size() <= ${MAX_POOL_NAME_LENGTH} && self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')`,
    message: `pool names are DNS labels (lower case letters, digits and '-') of at most ${MAX_POOL_NAME_LENGTH} characters, because desktops are named <pool>-<index> and use that name as their hostname`,
  },
  scale: {
    specReplicasPath: '.spec.size',
    statusReplicasPath: '.status.desktops',
    labelSelectorPath: '.status.selector',
  },
};

/** Where VirtualDesktopPools live on the wire: group, version, plural. */
export const POOLS = resourceTypeOf(virtualDesktopPoolKind);
