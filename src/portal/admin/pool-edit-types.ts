// The Admin Portal's pool form API (browser ↔ portal): the form's values, the API server's
// verdict on them field by field, and who else keeps the pool (GitOps). Imported by the browser,
// so it depends on zod alone. No rule of the pool's own lives here: the API server's schema and
// CEL rules judge every value (a server-side dry run), this only carries them.
import * as z from 'zod';

const count = z.number().nullable();

/** One window of a capacity schedule as the form edits it; `warm` as typed: "10" or "20%". */
export const WindowForm = z.object({
  name: z.string(),
  days: z.array(z.string()),
  from: z.string(),
  to: z.string(),
  warm: z.string(),
  minWarm: count,
  maxWarm: count,
});
export type WindowForm = z.infer<typeof WindowForm>;

/** What the form edits; empty number fields are null, and the API server says what it makes of them. */
export const PoolForm = z.object({
  displayName: z.string(),
  template: z.string(),
  /** Pin to a template revision; null follows the newest. */
  revision: count,
  size: count,
  prestarted: count,
  maxDesktopsPerUser: count,
  assignment: z.string(),
  persistence: z.string(),
  users: z.array(z.string()),
  groups: z.array(z.string()),
  logoffAction: z.string(),
  logoffGraceMinutes: count,
  idleAction: z.string(),
  idleTimeoutMinutes: count,
  /** Warm desktops follow a capacity schedule (spec.capacity) instead of one prestarted count. */
  scheduled: z.boolean(),
  timeZone: z.string(),
  windows: z.array(WindowForm).max(64),
  offPeakWarm: count,
  powerOffDelayMinutes: count,
  warmTimeToLiveMinutes: count,
  /** capacity.rampDown: held desktops after hours; idle minutes null leaves it out. */
  rampDownIdleMinutes: count,
  rampDownAction: z.string(),
  rampDownEvenIfLoggedOn: z.boolean(),
});
export type PoolForm = z.infer<typeof PoolForm>;
export type PoolField = keyof PoolForm | 'name';

/** One of the API server's reasons, on the form field it names (none: about the whole pool). */
export const FieldCause = z.object({ field: z.string().optional(), message: z.string() });
export type FieldCause = z.infer<typeof FieldCause>;

/** Someone who keeps the pool as their source says: a change here is reverted at their next sync. */
export const GitOpsManager = z.object({
  tool: z.enum(['Argo CD', 'Flux', 'field manager']),
  /** The Argo CD Application, Flux Kustomization or HelmRelease, or the field manager. */
  name: z.string().optional(),
  /** How it was recognised. */
  how: z.string(),
});
export type GitOpsManager = z.infer<typeof GitOpsManager>;

/** GET /api/admin/pools/:namespace/:name/source: the form's values, the YAML, who keeps it. */
export const PoolSource = z.object({
  form: PoolForm,
  yaml: z.string(),
  paused: z.boolean(),
  gitops: z.array(GitOpsManager),
});
export type PoolSource = z.infer<typeof PoolSource>;

/** POST /api/admin/pools/:namespace: check (dry run) or write a new or changed pool. */
export const PoolRequest = z
  .object({
    name: z.string().max(253),
    /** A new pool: refused if the name is taken, instead of changing that pool. */
    create: z.boolean(),
    dryRun: z.boolean(),
    /** The person saw that GitOps keeps the pool and writes anyway. */
    overrideGitOps: z.boolean().optional(),
    form: PoolForm,
  })
  .strict();
export type PoolRequest = z.infer<typeof PoolRequest>;

/** The answer to a PoolRequest: the API server's verdict, and the pool as it would be (or is). */
export const PoolCheck = z.object({
  valid: z.boolean(),
  written: z.boolean(),
  causes: z.array(FieldCause),
  /** The object as it would be after the change, without status or managedFields: to commit. */
  yaml: z.string().optional(),
  gitops: z.array(GitOpsManager),
});
export type PoolCheck = z.infer<typeof PoolCheck>;

/** PATCH /api/admin/pools/:namespace/:name: pause or resume, or scale (the scale subresource). */
export const PoolPatch = z
  .object({ paused: z.boolean().optional(), size: z.number().optional() })
  .strict()
  .refine((p) => p.paused !== undefined || p.size !== undefined, 'expected paused or size');
export type PoolPatch = z.infer<typeof PoolPatch>;
