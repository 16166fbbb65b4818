// The Admin Portal's browser ↔ portal API: shapes validated with zod on both ends. Like
// api-types.ts, imported by the browser, so it depends on zod alone.
import * as z from 'zod';
import { GitOpsManager } from './pool-edit-types.js';

/** What the person may do in one namespace, as the API server's rules review says. */
export const NamespaceAccess = z.object({
  namespace: z.string(),
  pools: z.object({ list: z.boolean(), create: z.boolean(), update: z.boolean(), delete: z.boolean() }),
  templates: z.object({ list: z.boolean(), create: z.boolean(), update: z.boolean(), delete: z.boolean() }),
  desktops: z.object({
    list: z.boolean(),
    start: z.boolean(),
    stop: z.boolean(),
    restart: z.boolean(),
    console: z.boolean(),
  }),
  /** Everyone's claims: list them (sessions), release one by force (delete), end a console connection (patch). */
  claims: z.object({ list: z.boolean(), delete: z.boolean(), patch: z.boolean() }),
  events: z.object({ list: z.boolean(), create: z.boolean() }),
  /** People's profile disks (PersistentVolumeClaims): list them per pool, delete one. */
  profileDisks: z.object({ list: z.boolean(), delete: z.boolean() }),
});
export type NamespaceAccess = z.infer<typeof NamespaceAccess>;

/** GET /api/admin/access. `administers` false: nothing here for the person; the User Portal is theirs. */
export const AdminAccess = z.object({
  username: z.string(),
  administers: z.boolean(),
  namespaces: z.array(NamespaceAccess),
  /** May list nodes: the Hosts view. */
  nodes: z.boolean(),
  /** May patch nodes: Start and End maintenance in the Hosts view. */
  nodeMaintenance: z.boolean(),
});
export type AdminAccess = z.infer<typeof AdminAccess>;

export const Condition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type Condition = z.infer<typeof Condition>;

/** One pool, as an administrator sees it. */
export const AdminPool = z.object({
  namespace: z.string(),
  name: z.string(),
  displayName: z.string(),
  template: z.string(),
  size: z.int(),
  prestarted: z.int(),
  ready: z.int(),
  available: z.int(),
  assigned: z.int(),
  updated: z.int(),
  /** The template revision the pool runs (its desktops are updated to it). */
  revision: z.string().optional(),
  paused: z.boolean(),
  assignment: z.string(),
  persistence: z.string(),
  /** Claims of this pool waiting for a desktop. */
  waiting: z.int(),
  conditions: z.array(Condition),
  /**
   * Desktop-hours of the 24 whole hours before now, by state, from the operator's hourly count in
   * the pool's status (status.usage): the portal has no Prometheus to ask. Absent until the first
   * hour has been written.
   */
  lastDay: z
    .object({
      from: z.string(),
      to: z.string(),
      runningHeld: z.number(),
      runningFree: z.number(),
      halted: z.number(),
      hoursCounted: z.int(),
    })
    .optional(),
});
export type AdminPool = z.infer<typeof AdminPool>;

/** Something an administrator should look at first. */
export const Attention = z.object({
  severity: z.enum(['critical', 'warning']),
  namespace: z.string(),
  /** The pool, template or desktop it is about. */
  kind: z.enum(['pool', 'template', 'desktop']),
  name: z.string(),
  /** What is wrong, in words. */
  summary: z.string(),
  /** The operator's or KubeVirt's own message. */
  detail: z.string().optional(),
});
export type Attention = z.infer<typeof Attention>;

/** GET /api/admin/overview. */
export const Overview = z.object({ pools: z.array(AdminPool), attention: z.array(Attention) });
export type Overview = z.infer<typeof Overview>;

export const SessionUser = z.object({
  userName: z.string(),
  domain: z.string().optional(),
  since: z.string().optional(),
});

/** One desktop of a pool. */
export const AdminDesktop = z.object({
  namespace: z.string(),
  name: z.string(),
  pool: z.string(),
  /** KubeVirt's printableStatus. */
  state: z.string(),
  ready: z.boolean(),
  node: z.string().optional(),
  revision: z.string().optional(),
  /** The user holding it and the claim that binds it. */
  holder: z.string().optional(),
  claim: z.string().optional(),
  loggedOn: z.array(SessionUser),
  /** Nobody logged on since then (from the claim's session). */
  idleSince: z.string().optional(),
});
export type AdminDesktop = z.infer<typeof AdminDesktop>;

/** One window of a pool's capacity schedule, as written, and what it asks for now. */
export const ScheduleWindow = z.object({
  name: z.string(),
  days: z.array(z.string()),
  from: z.string(),
  to: z.string(),
  /** As written: "10" desktops or "20%" of the recent peak of held desktops. */
  warm: z.string(),
  minWarm: z.int().optional(),
  maxWarm: z.int().optional(),
  /** The desktops it keeps warm with today's peak (a percentage resolved, then bounded). */
  warmNow: z.int(),
});
export type ScheduleWindow = z.infer<typeof ScheduleWindow>;

/** One hour of the pool's last day: average desktops in each state (desktop-seconds / 3600). */
export const ChartHour = z.object({ start: z.string(), free: z.number(), held: z.number(), halted: z.number() });
export type ChartHour = z.infer<typeof ChartHour>;

/**
 * The 24-hour chart's data: the hours the operator counted, and the warm target as a step line
 * from `from` to `until` (the past by the schedule as it is now, the future as it will be), each
 * step holding from `at` until the next.
 */
export const ScheduleChart = z.object({
  from: z.string(),
  now: z.string(),
  until: z.string(),
  hours: z.array(ChartHour),
  target: z.array(z.object({ at: z.string(), warm: z.int() })),
});
export type ScheduleChart = z.infer<typeof ScheduleChart>;

/** A pool's warm desktops: its schedule (or fixed prestarted count), growth, where it stands, the chart. */
export const PoolSchedule = z.object({
  /** Absent: a fixed prestarted count, day and night. */
  capacity: z
    .object({
      timeZone: z.string(),
      windows: z.array(ScheduleWindow),
      offPeakWarm: z.int(),
      powerOffDelayMinutes: z.int(),
      warmTimeToLiveMinutes: z.int().optional(),
      rampDown: z.object({ idleMinutes: z.int(), action: z.string(), evenIfLoggedOn: z.boolean() }).optional(),
    })
    .optional(),
  prestarted: z.int(),
  growth: z
    .object({
      minSize: z.int(),
      maxSize: z.int(),
      spare: z.int(),
      removeAfterMinutes: z.int(),
      targetSize: z.int().optional(),
    })
    .optional(),
  /** The operator's status.capacity; absent until it has looked at the pool. */
  now: z
    .object({
      phase: z.string(),
      window: z.string().optional(),
      warmTarget: z.int(),
      nextChange: z.string().optional(),
      nextWarmTarget: z.int().optional(),
      heldPeak: z.int().optional(),
    })
    .optional(),
  chart: ScheduleChart,
});
export type PoolSchedule = z.infer<typeof PoolSchedule>;

/** GET /api/admin/pools/:namespace/:name/desktops. */
export const DesktopList = z.object({
  pool: AdminPool,
  desktops: z.array(AdminDesktop),
  /** False when the person may not list the pool's desktops (a template administrator). */
  desktopsVisible: z.boolean(),
  schedule: PoolSchedule,
});
export type DesktopList = z.infer<typeof DesktopList>;

/** One logon: a bound claim and who is on its desktop. */
export const AdminSession = z.object({
  namespace: z.string(),
  claim: z.string(),
  user: z.string(),
  pool: z.string(),
  desktop: z.string().optional(),
  phase: z.string().optional(),
  boundTime: z.string().optional(),
  loggedOn: z.array(SessionUser),
  idleSince: z.string().optional(),
  node: z.string().optional(),
  /** Console connections open now through the portal (the claim's console records). */
  consoles: z.array(
    z.object({
      id: z.string(),
      protocol: z.enum(['vnc', 'rdp']),
      person: z.string(),
      client: z.string(),
      since: z.string(),
      /** An administrator asked for its end (it closes within seconds). */
      endRequestedBy: z.string().optional(),
    }),
  ),
});
export type AdminSession = z.infer<typeof AdminSession>;

/** GET /api/admin/sessions[?user=]. */
export const SessionList = z.object({ sessions: z.array(AdminSession) });
export type SessionList = z.infer<typeof SessionList>;

/** Someone whose desktop still runs on a node in maintenance, and how it leaves. */
export const HostWorker = z.object({
  namespace: z.string(),
  person: z.string(),
  desktop: z.string(),
  pool: z.string(),
  /**
   * migrating: live, now; countdown: it cannot migrate, and restarts at `restartAt` (the person
   * sees the countdown); other: not on its way yet (waiting for free desktops to leave first, or
   * for the operator to tell its person).
   */
  leaves: z.enum(['migrating', 'countdown', 'other']),
  restartAt: z.string().optional(),
});
export type HostWorker = z.infer<typeof HostWorker>;

/** A node in maintenance: why, until when, what is left to move off it and who still works there. */
export const HostMaintenance = z.object({
  /** cordoned, or tainted kubevdi.io/maintenance. */
  because: z.string(),
  /** The node's kubevdi.io/maintenance-deadline, when it sets one (else each pool's notice applies). */
  deadline: z.string().optional(),
  /** kubevdi's desktops still there: free ones, and held ones by how they leave. */
  left: z.object({ free: z.int(), migrating: z.int(), countdown: z.int(), other: z.int() }),
  working: z.array(HostWorker),
});
export type HostMaintenance = z.infer<typeof HostMaintenance>;

/** One node that can run desktops. */
export const Host = z.object({
  name: z.string(),
  ready: z.boolean(),
  cpu: z.string().optional(),
  memory: z.string().optional(),
  desktops: z.int(),
  maintenance: HostMaintenance.optional(),
});
export type Host = z.infer<typeof Host>;

/** GET /api/admin/hosts. */
export const HostList = z.object({ hosts: z.array(Host) });
export type HostList = z.infer<typeof HostList>;

/** POST /api/admin/nodes/:name/maintenance: by when held desktops that cannot migrate restart (else the pools' notice). */
export const MaintenanceStart = z.object({ deadline: z.iso.datetime({ offset: true }).optional() });
export type MaintenanceStart = z.infer<typeof MaintenanceStart>;

/** One Event of the namespaces the person may watch. */
export const AdminEvent = z.object({
  namespace: z.string(),
  name: z.string(),
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  kind: z.string(),
  object: z.string(),
  time: z.string().optional(),
  count: z.int().optional(),
  /**
   * Who recorded it, when it is kubevdi's record: the person named by a portal Event (checked by the
   * events admission policy to be who created it) or "the kubevdi operator". Absent for any other
   * Event, which the view says is not kubevdi's record; `source` then says what it calls itself.
   */
  recordedBy: z.string().optional(),
  source: z.string(),
});
export type AdminEvent = z.infer<typeof AdminEvent>;

/** A Server-Sent Event of GET /api/admin/events: the recent ones first, then each as it comes. */
export const AdminEventMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('events'), events: z.array(AdminEvent) }),
  z.object({ type: z.literal('event'), event: AdminEvent }),
]);
export type AdminEventMessage = z.infer<typeof AdminEventMessage>;

/** DELETE /api/admin/claims/:namespace/:name: force release, with why (recorded in the Event). */
export const ForceRelease = z.object({ reason: z.string().max(256).optional() }).strict();

// ── Templates: readiness, revisions, what changed between two, who runs which ──

/** One field that differs between two template revisions, e.g. "spec.resources.memory: 4Gi → 8Gi". */
export const RevisionChange = z.object({
  path: z.string(),
  change: z.enum(['added', 'removed', 'changed']),
  before: z.string().optional(),
  after: z.string().optional(),
  /** The whole change in one line of words. */
  text: z.string(),
});
export type RevisionChange = z.infer<typeof RevisionChange>;

/** One template, as the Templates list shows it. */
export const AdminTemplate = z.object({
  namespace: z.string(),
  name: z.string(),
  displayName: z.string(),
  /** "Linux fedora-42". */
  os: z.string(),
  /** The newest revision's number. */
  revision: z.int().optional(),
  /** Ready True, False, or unknown (the operator has not looked yet). */
  ready: z.enum(['True', 'False', 'Unknown']),
  /** Why it is not ready, in plain words; the operator's own message is `detail`. */
  problem: z.string().optional(),
  detail: z.string().optional(),
  /** Pools made from it (that the person may see), and how many of them are not on the newest revision yet. */
  pools: z.int(),
  rollingOut: z.int(),
});
export type AdminTemplate = z.infer<typeof AdminTemplate>;

/** GET /api/admin/templates. */
export const TemplateList = z.object({ templates: z.array(AdminTemplate) });
export type TemplateList = z.infer<typeof TemplateList>;

/** Desktops on one revision (by their kubevdi.io/template-revision label). */
export const RevisionDesktops = z.object({ revision: z.string(), desktops: z.array(z.string()) });
export type RevisionDesktops = z.infer<typeof RevisionDesktops>;

/** One ControllerRevision of a template. */
export const TemplateRevision = z.object({
  number: z.int(),
  name: z.string(),
  created: z.string().optional(),
  current: z.boolean(),
  /** Pools rolling out (or running) this revision, by their status.templateRevision. */
  pools: z.array(z.string()),
  /** Desktops on it; absent when the person may not list desktops. */
  desktops: z.int().optional(),
});
export type TemplateRevision = z.infer<typeof TemplateRevision>;

/** A pool made from the template, and how far its rollout to the pool's target revision is. */
export const TemplateRollout = z.object({
  namespace: z.string(),
  name: z.string(),
  displayName: z.string(),
  /** spec.templateRef.revision: the pool stays on it whatever is newer. */
  pinned: z.int().optional(),
  /** status.templateRevision: what it rolls out. */
  target: z.int().optional(),
  updated: z.int(),
  size: z.int(),
  /** Its desktops by revision; empty when the person may not list desktops. */
  desktops: z.array(RevisionDesktops),
});
export type TemplateRollout = z.infer<typeof TemplateRollout>;

/** GET /api/admin/templates/:namespace/:name. */
export const TemplateDetail = z.object({
  template: AdminTemplate,
  conditions: z.array(Condition),
  revisions: z.array(TemplateRevision),
  /** False when the person may not read ControllerRevisions here. */
  revisionsVisible: z.boolean(),
  rollouts: z.array(TemplateRollout),
  desktopsVisible: z.boolean(),
  /** The template as YAML (server-rendered, without managedFields), read-only. */
  yaml: z.string(),
});
export type TemplateDetail = z.infer<typeof TemplateDetail>;

/** GET /api/admin/templates/:namespace/:name/diff?from=&to=. */
export const RevisionDiff = z.object({ from: z.int(), to: z.int(), changes: z.array(RevisionChange) });
export type RevisionDiff = z.infer<typeof RevisionDiff>;

/** The objects the Admin Portal shows as YAML. */
export const YamlKind = z.enum(['pool', 'template', 'claim', 'desktop', 'instance', 'node']);
export type YamlKind = z.infer<typeof YamlKind>;

/** GET /api/admin/yaml/:kind/:namespace/:name (a node, cluster-wide: /api/admin/yaml/node/:name). */
export const ObjectYaml = z.object({
  kind: YamlKind,
  namespace: z.string().optional(),
  name: z.string(),
  yaml: z.string(),
  /** Who keeps it in Git (pools, templates, claims): a change made in the cluster is reverted. */
  gitops: z.array(GitOpsManager),
  /** What it was made from (a desktop: its pool): change that, not this. */
  owner: z.object({ kind: z.string(), name: z.string() }).optional(),
  /** A desktop's running instance, when it runs and the person may read it. */
  instance: z.string().optional(),
});
export type ObjectYaml = z.infer<typeof ObjectYaml>;

/** One person's profile disk of a pool (issue 18). */
export const AdminProfileDisk = z.object({
  namespace: z.string(),
  name: z.string(),
  person: z.string().optional(),
  size: z.string().optional(),
  /** The PVC's phase: Pending until the storage is provisioned, then Bound. */
  phase: z.string().optional(),
  /** When a desktop carrying it was last given back. */
  lastReleased: z.string().optional(),
  /** The desktop that carries it now, if any (then it cannot be deleted). */
  desktop: z.string().optional(),
});
export type AdminProfileDisk = z.infer<typeof AdminProfileDisk>;

/** GET /api/admin/pools/:namespace/:name/profile-disks */
export const ProfileDiskList = z.object({
  disks: z.array(AdminProfileDisk),
  /** False when the person may not list PersistentVolumeClaims here. */
  visible: z.boolean(),
});
export type ProfileDiskList = z.infer<typeof ProfileDiskList>;
