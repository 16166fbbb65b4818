// The browser ↔ portal API: request and response shapes, validated with zod on both ends. The
// browser app imports this file, so it depends on zod alone (nothing from Node or client-node).
// A namespace import lets esbuild leave out what the page does not use (zod's locales): 100 kB, not 450.
import * as z from 'zod';

/** A DNS-1123 name as the API server accepts for namespaces and kubevdi objects. */
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

/** The header every JSON API call that changes something must carry: a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-kubevdi-csrf';

/** GET /api/me: who the API server says the person is. */
export const Me = z.object({
  username: z.string(),
  groups: z.array(z.string()),
});
export type Me = z.infer<typeof Me>;

/** One pool the person may take a desktop from. */
export const Pool = z.object({
  namespace: z.string(),
  name: z.string(),
  displayName: z.string(),
  description: z.string().optional(),
  os: z
    .object({ type: z.string(), version: z.string().optional() })
    .optional()
    .describe('From the pool template; missing when the person may not read the template.'),
  available: z.int().min(0),
  /** How many desktops of this pool one person may hold at once (the pool's spec). */
  maxDesktopsPerUser: z.int().min(1),
});
export type Pool = z.infer<typeof Pool>;

/** GET /api/pools. */
export const PoolList = z.object({ pools: z.array(Pool) });
export type PoolList = z.infer<typeof PoolList>;

export const ClaimCondition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** Someone logged on to the desktop, as its guest agent reports it. */
export const LoggedInUser = z.object({
  userName: z.string(),
  domain: z.string().optional(),
  loginTime: z.string().optional(),
});
export type LoggedInUser = z.infer<typeof LoggedInUser>;

/** The session on the desktop, from the claim's status.session (the operator polls the guest agent). */
export const Session = z.object({
  loggedInUsers: z.array(LoggedInUser),
  /** false: nobody can tell who is logged on (no guest agent, or it does not answer). */
  guestAgentConnected: z.boolean().optional(),
  idleSince: z.string().optional(),
  lastSeenTime: z.string().optional(),
});
export type Session = z.infer<typeof Session>;

/** What the pool's session policy will do to the desktop next, and when (status.pendingAction). */
export const PendingAction = z.object({
  action: z.enum(['Release', 'PowerOff', 'Restart']),
  reason: z.enum(['LoggedOff', 'IdleTimeout', 'AfterHours', 'Maintenance']),
  /** RFC 3339. */
  deadline: z.string(),
  message: z.string(),
});
export type PendingAction = z.infer<typeof PendingAction>;

/** How the pool hands desktops out and what it keeps; missing when the person may not read the pool. */
export const PoolKind = z.object({
  assignment: z.enum(['Automatic', 'Manual']),
  persistence: z.enum(['Stateless', 'Persistent']),
});
export type PoolKind = z.infer<typeof PoolKind>;

/**
 * What the person's grant lets them do with the desktop, as the API server answers a
 * SelfSubjectRulesReview: the portal copies no RBAC rules.
 */
export const DesktopPermissions = z.object({
  start: z.boolean(),
  stop: z.boolean(),
  restart: z.boolean(),
  console: z.boolean(),
});
export type DesktopPermissions = z.infer<typeof DesktopPermissions>;

/** One of the person's own claims (a desktop they hold or are waiting for). */
export const Claim = z.object({
  namespace: z.string(),
  name: z.string(),
  pool: z.string(),
  user: z.string(),
  phase: z.string().optional(),
  desktop: z
    .object({
      name: z.string(),
      ready: z.boolean(),
      /** KubeVirt's status.printableStatus of the VirtualMachine (Running, Stopped, Starting...), read as the person. */
      state: z.string().optional(),
    })
    .optional(),
  createdAt: z.string().optional(),
  /** Given back: the operator is logging off and removing it. */
  deleting: z.boolean().optional(),
  conditions: z.array(ClaimCondition),
  session: Session.optional(),
  pendingAction: PendingAction.optional(),
  /** When the operator last counted the person's activity (an open console, "I'm still working"). */
  lastActivityTime: z.string().optional(),
  poolKind: PoolKind.optional(),
  /** The pool exposes the desktop over RDP: GET /api/claims/:namespace/:name/rdp gives a .rdp file. */
  rdp: z.boolean().optional(),
  /** Missing until the portal has asked the API server (and on a claim without a desktop). */
  allowed: DesktopPermissions.optional(),
  /** The person's profile disk in this pool (issue 18): kept across resets, attached to their desktop. */
  profileDisk: z.object({ size: z.string().optional(), attached: z.boolean() }).optional(),
});
export type Claim = z.infer<typeof Claim>;

/** GET /api/claims. */
export const ClaimList = z.object({ claims: z.array(Claim) });
export type ClaimList = z.infer<typeof ClaimList>;

/** POST /api/claims: take a desktop from a pool. */
export const CreateClaim = z.object({ namespace: name, pool: name }).strict();
export type CreateClaim = z.infer<typeof CreateClaim>;

/** DELETE /api/claims/:namespace/:name, POST .../activity, GET .../rdp. */
export const ClaimParams = z.object({ namespace: name, name: name });

/** What POST /api/desktops/:namespace/:name/:action asks KubeVirt to do. */
export const PowerAction = z.enum(['start', 'stop', 'restart']);
export type PowerAction = z.infer<typeof PowerAction>;

/** POST /api/desktops/:namespace/:name/:action. */
export const DesktopParams = z.object({ namespace: name, name: name, action: PowerAction });

/** POST /api/claims/:namespace/:name/activity: what the portal wrote on the claim. */
export const ActivityAnswer = z.object({ activity: z.string() });
export type ActivityAnswer = z.infer<typeof ActivityAnswer>;

/** Every refusal: what went wrong in words for the person, and a kind for the program. */
export const ApiError = z.object({
  error: z.string(),
  kind: z.enum(['unauthenticated', 'forbidden', 'not-found', 'conflict', 'invalid', 'unavailable', 'internal']),
  /** With `error: 'signin-required'`: where to send the person to sign in (and come back). */
  signIn: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiError>;
export type ErrorKind = ApiError['kind'];

/** A claim named by namespace and name, as `GET /api/events?claim=<namespace>/<name>` takes it. */
export const ClaimRef = z.object({ namespace: name, name: name });
export type ClaimRef = z.infer<typeof ClaimRef>;

/**
 * One Server-Sent Event of `GET /api/events` (its `data`, as JSON). `claims` comes first on every
 * connection: the person's claims found then. `claim` is a claim as it is now; `gone` says it was
 * deleted. The stream ends now and then so the browser reconnects with a fresh sign-in.
 */
export const ClaimEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('claims'), claims: z.array(Claim) }),
  z.object({ type: z.literal('claim'), claim: Claim }),
  z.object({ type: z.literal('gone'), namespace: z.string(), name: z.string() }),
]);
export type ClaimEvent = z.infer<typeof ClaimEvent>;
