// DesktopClaim: a user's logon — RHEV's "take VM". It binds one desktop of a pool to one user
// until it is released (deleted, or logoff/idle policy of the pool).
import { z } from 'zod';
import { ACTIVITY_ANNOTATION, CONSOLE_ANNOTATION_PREFIX } from './annotations.js';
import type { KindDefinition } from './crd.js';
import { API_VERSION, cel, conditions, immutable, ObjectMeta, objectName, observedGeneration } from './meta.js';
import { ProfileDiskStatus } from './profile-disk.js';
import { resourceTypeOf } from './resource-type.js';

export const ClaimPhase = z.enum(['Pending', 'Bound', 'Released', 'Failed']);
export type ClaimPhase = z.infer<typeof ClaimPhase>;

export const DesktopClaimSpec = z
  .object({
    poolRef: cel(
      z
        .object({ name: objectName('Name of the VirtualDesktopPool in the same namespace.') })
        .describe('The pool to take a desktop from.'),
      immutable('spec.poolRef', 'release this claim and create a new one for the other pool'),
    ),
    user: cel(
      z
        .string()
        .min(1)
        .max(256)
        .describe(
          'The user the desktop is for, as the API server knows them (e.g. "oidc:alice@example.com"). Users may only claim for themselves.',
        ),
      immutable('spec.user', 'a desktop is never handed from one user to another; release this claim instead'),
    ),
  })
  .describe('Which pool, for whom.');

const LoggedInUser = z
  .object({
    userName: z.string().describe('User name inside the guest.'),
    domain: z.string().optional().describe('Windows domain of the user, when there is one.'),
    loginTime: z.iso.datetime().optional().describe('When the user logged on, as the guest agent reports it.'),
  })
  .describe('A user logged on to the guest, as the guest agent reports it.');

export const DesktopClaimStatus = z
  .object({
    observedGeneration: observedGeneration(),
    phase: ClaimPhase.optional().describe(
      'Summary for people and printer columns: Pending, Bound, Released or Failed. Conditions hold the details.',
    ),
    desktop: z
      .object({
        name: z.string().describe('Name of the VirtualMachine bound to this claim.'),
        ready: z.boolean().describe('The desktop is running and can be connected to.'),
      })
      .optional()
      .describe('The bound desktop.'),
    boundTime: z.iso.datetime().optional().describe('When the desktop was bound to the claim.'),
    profileDisk: ProfileDiskStatus.optional(),
    connection: z
      .object({
        vncPath: z
          .string()
          .optional()
          .describe("API server path of the desktop's VNC websocket (subprotocol plain.kubevirt.io)."),
        rdpService: z
          .string()
          .optional()
          .describe("Service that exposes the desktop's RDP port, when the pool enables RDP."),
      })
      .optional()
      .describe('How to reach the desktop.'),
    session: z
      .object({
        loggedInUsers: z
          .array(LoggedInUser)
          .max(64)
          .optional()
          .describe('Users logged on to the guest, as the guest agent last reported them.'),
        kubevirtUnavailable: z
          .string()
          .max(1024)
          .optional()
          .describe(
            "Set while KubeVirt's subresource API (virt-api) does not answer the question who is logged on: why. Nothing is released meanwhile; unset once it answers.",
          ),
        guestAgentConnected: z
          .boolean()
          .optional()
          .describe(
            'The guest agent answers. Without it nobody can tell whether someone is logged on, so the logoff and idle policies wait.',
          ),
        idleSince: z.iso
          .datetime()
          .optional()
          .describe(
            'Since when nobody has been logged on (since the desktop was bound if nobody has logged on yet). Unset while someone is, or while the guest agent does not answer.',
          ),
        lastSeenTime: z.iso
          .datetime()
          .optional()
          .describe('When a user was last seen logged on, i.e. when the last user logged off.'),
        lastActivityTime: z.iso
          .datetime()
          .optional()
          .describe(
            `When the operator saw the user's activity through kubevdi (the claim's ${ACTIVITY_ANNOTATION} annotation changing: an open console in the portal, or "I'm still working"). Restarts the idle and logoff timers.`,
          ),
        activityMark: z
          .string()
          .max(256)
          .optional()
          .describe(`The value of the ${ACTIVITY_ANNOTATION} annotation that lastActivityTime accounts for.`),
      })
      .optional()
      .describe(
        "The session on the desktop, from the guest agent's list of logged-on users (KubeVirt's userlist), polled while the desktop runs.",
      ),
    consoles: z
      .array(
        z.object({
          id: z.string().max(16).describe('The connection, as its console.kubevdi.io/<id> annotation names it.'),
          protocol: z
            .enum(['vnc', 'rdp'])
            .describe("vnc: the console through the API server; rdp: the portal's RDP gateway."),
          person: z.string().max(512).describe('Who connected, as the API server names them.'),
          client: z.string().max(256).describe("The browser's address as the portal saw it."),
          since: z.iso.datetime().describe('When the connection opened.'),
          endRequestedBy: z
            .string()
            .max(512)
            .optional()
            .describe('An administrator who asked for the connection to end (it ends within seconds).'),
        }),
      )
      .max(32)
      .optional()
      .describe(
        `Console connections open now through the portal, from the claim's ${CONSOLE_ANNOTATION_PREFIX}<id> annotations (each is an Event when it opens and ends).`,
      ),
    pendingAction: z
      .object({
        action: z
          .enum(['Release', 'PowerOff', 'Restart'])
          .describe(
            'What will happen: the desktop is taken back (Release), powered off (PowerOff), or restarted on another node (Restart, for maintenance).',
          ),
        reason: z
          .enum(['LoggedOff', 'IdleTimeout', 'AfterHours', 'Maintenance'])
          .describe(
            "Which of the pool's session policies falls due (AfterHours: the capacity's rampDown; Maintenance: the desktop's node is in maintenance).",
          ),
        deadline: z.iso.datetime().describe('When it happens unless someone logs on or shows activity first.'),
        message: z.string().max(1024).describe('Why, in words for the user.'),
      })
      .optional()
      .describe(
        "The next thing the pool's session policies will do to this desktop, and when: shown to the user ahead of time so they can log on again or say they are still working.",
      ),
    releasedTime: z.iso.datetime().optional().describe('When the desktop was taken back from this claim.'),
    conditions: conditions(
      'Bound, Ready and Released, with reasons such as PoolExhausted, UserLimitReached, LoggedOff, IdleTimeout or AfterHours.',
    ),
  })
  .describe('What the operator observed.');

export const DesktopClaim = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('DesktopClaim'),
  metadata: ObjectMeta,
  spec: DesktopClaimSpec,
  status: DesktopClaimStatus.optional(),
});

export type DesktopClaim = z.infer<typeof DesktopClaim>;
export type DesktopClaimSpec = z.infer<typeof DesktopClaimSpec>;
export type DesktopClaimStatus = z.infer<typeof DesktopClaimStatus>;

export const desktopClaimKind: KindDefinition = {
  kind: 'DesktopClaim',
  plural: 'desktopclaims',
  shortNames: ['dclaim'],
  description:
    "A DesktopClaim is a user's logon: it binds one desktop of a VirtualDesktopPool to one user until it is released. Deleting it logs off and gives the desktop back.",
  schema: DesktopClaim,
  printerColumns: [
    { name: 'Pool', type: 'string', jsonPath: '.spec.poolRef.name', description: 'The pool.' },
    { name: 'User', type: 'string', jsonPath: '.spec.user', description: 'The user the desktop is for.' },
    { name: 'Desktop', type: 'string', jsonPath: '.status.desktop.name', description: 'The bound desktop.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Bound, Released or Failed.' },
    {
      name: 'Console',
      type: 'string',
      jsonPath: '.status.consoles[*].protocol',
      description: 'Console connections open now (vnc, rdp).',
      priority: 1,
    },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: ".status.conditions[?(@.type=='Bound')].reason",
      description: 'Why the claim is (not) bound.',
      priority: 1,
    },
  ],
};

/** Where DesktopClaims live on the wire: group, version, plural. */
export const CLAIMS = resourceTypeOf(desktopClaimKind);
