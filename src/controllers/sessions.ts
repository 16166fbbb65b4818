// Session controller: who is logged on to each bound desktop. For a bound claim whose desktop
// runs with a connected guest agent it reads KubeVirt's `userlist` every poll interval (never
// faster than the shared rate limit allows, so a thousand desktops cannot flood the API server)
// and writes `status.session` plus logon/logoff Events. Desktops that are not bound or not running
// cost nothing: no request, no timer. A change of the claim's activity annotation (the user saying
// "I am here", through the portal) is recorded at once as lastActivityTime. It only observes;
// the claim controller applies the pool's logoff and idle policies to what it writes.
// It also turns the portal's console records on the claim (console.kubevdi.io/<id>: who is connected,
// by which protocol, since when) into `status.consoles` and an Event as each connection opens and
// ends, and removes the records of ended or lost connections (console-observation.ts).
import type { KubernetesObject } from '@kubernetes/client-node';
import { ACTIVITY_ANNOTATION } from '../api/annotations.js';
import { desktopFacts } from '../api/desktop-facts.js';
import { CLAIMS, type DesktopClaim } from '../api/desktopclaim.js';
import type { VirtualMachine } from '../render/kubevirt.js';
import { type Clock, systemClock } from '../runtime/clock.js';
import { Controller, type Key, splitKey } from '../runtime/controller.js';
import type { Recorder } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import type { Logger } from '../runtime/log.js';
import type { Metrics } from '../runtime/metrics.js';
import type { RateLimiter } from '../runtime/ratelimiter.js';
import type { WriteStatus } from '../runtime/status.js';
import type { ReconcileResult } from '../runtime/workqueue.js';
import { observeConsoles } from './console-observation.js';
import type { ReadUserList } from './guest-agent.js';
import {
  guestUserName,
  type Observation,
  observeActivity,
  observeSession,
  type Session,
} from './session-observation.js';

type Claim = DesktopClaim & KubernetesObject;
type Desktop = VirtualMachine & KubernetesObject;

export interface SessionControllerDeps {
  claims: Informer<Claim>;
  desktops: Informer<Desktop>;
  readUserList: ReadUserList;
  /** Shared by all polls of this operator. */
  limiter: RateLimiter;
  /** Writes `status.session` and `status.consoles` only, as a field manager of its own. */
  writeStatus: WriteStatus;
  /** Merge-patches a claim (removes the records of ended console connections). */
  patchClaim(namespace: string, name: string, body: object): Promise<void>;
  recorder: Recorder;
  metrics: Metrics;
  log: Logger;
  pollIntervalMs: number;
  /** What `idleSince` and activity times are measured by; the system clock unless a test moves it. */
  clock?: Clock;
}

export function sessionController(deps: SessionControllerDeps): Controller {
  // claim uid → when its userlist was last read; a status write or an unrelated change of the
  // claim must not cause an extra read before the interval is up.
  const lastPoll = new Map<string, number>();
  return new Controller({ name: 'session', metrics: deps.metrics, log: deps.log }, (key, log) =>
    reconcile(deps, lastPoll, key, log),
  )
    .forPrimary(deps.claims)
    .watches(deps.desktops, (vm) => {
      const { claim } = desktopFacts(vm);
      return claim ? [`${vm.metadata?.namespace}/${claim}`] : [];
    });
}

async function reconcile(
  deps: SessionControllerDeps,
  lastPoll: Map<string, number>,
  key: Key,
  log: Logger,
): Promise<ReconcileResult | undefined> {
  const { namespace, name } = splitKey(key);
  const clock = deps.clock ?? systemClock;
  const claim = deps.claims.get(namespace, name);
  if (!claim || claim.metadata?.deletionTimestamp) {
    const uid = claim?.metadata?.uid;
    if (uid) lastPoll.delete(uid);
    return;
  }
  const consoles = await observeConsoleRecords(deps, claim, clock.now(), log);
  // Both fields in every write: apply removes a field its manager no longer sends.
  const write = (session: Session | undefined) =>
    deps.writeStatus(CLAIMS, claim, { session, consoles: consoles.consoles });
  const later = (ms: number | undefined) => earliest(ms, consoles.recheckAfterMs);
  const uid = claim.metadata?.uid as string;
  const desktopName = claim?.status?.desktop?.name;
  const desktop = desktopName ? deps.desktops.get(namespace, desktopName) : undefined;
  const bound = claim.status?.phase === 'Bound' && desktop !== undefined && desktopFacts(desktop).claimUid === uid;
  if (!bound || !desktop) {
    lastPoll.delete(uid);
    await write(claim.status?.session);
    return later(undefined);
  }

  // The user's own sign of life (an open console, "I'm still working") counts at once, whatever the poll says.
  const active = observeActivity(
    claim.status?.session,
    claim.metadata?.annotations?.[ACTIVITY_ANNOTATION],
    clock.now(),
  );
  const how = lookAt(desktop);
  let observation: Observation = how === 'poll' ? { kind: 'unknown' } : { kind: how };
  if (how === 'poll') {
    const since = Date.now() - (lastPoll.get(uid) ?? 0);
    if (since < deps.pollIntervalMs) {
      await write(active ?? claim.status?.session);
      return later(deps.pollIntervalMs - since);
    }
    await deps.limiter.take();
    lastPoll.set(uid, Date.now());
    observation = await deps.readUserList(namespace, desktopName as string);
  } else {
    lastPoll.delete(uid);
  }

  const change = observeSession(active ?? claim.status?.session, observation, clock.now(), claim.status?.boundTime);
  for (const user of change.logons) {
    deps.recorder.record(claim, 'Normal', 'UserLoggedOn', `${guestUserName(user)} logged on to desktop ${desktopName}`);
    log.info({ desktop: desktopName, guestUser: guestUserName(user) }, 'logged on');
  }
  for (const user of change.logoffs) {
    deps.recorder.record(
      claim,
      'Normal',
      'UserLoggedOff',
      `${guestUserName(user)} logged off from desktop ${desktopName}`,
    );
    log.info({ desktop: desktopName, guestUser: guestUserName(user) }, 'logged off');
  }
  await write(change.session);
  // A running desktop is looked at again after the interval; a stopped one when it changes.
  return later(how === 'poll' ? withJitter(deps.pollIntervalMs) : undefined);
}

/** Events for connections that opened or ended, and the records of ended or lost ones removed. */
async function observeConsoleRecords(deps: SessionControllerDeps, claim: Claim, now: Date, log: Logger) {
  const observation = observeConsoles(claim.metadata?.annotations, claim.status?.consoles, now);
  for (const event of observation.events) {
    deps.recorder.record(claim, event.type, event.reason, event.message);
    log.info({ reason: event.reason }, event.message);
  }
  if (observation.remove.length) {
    const annotations = Object.fromEntries(observation.remove.map((k) => [k, null]));
    await deps.patchClaim(claim.metadata?.namespace as string, claim.metadata?.name as string, {
      metadata: { annotations },
    });
  }
  return observation;
}

function earliest(a: number | undefined, b: number | undefined): ReconcileResult | undefined {
  const ms = a === undefined ? b : b === undefined ? a : Math.min(a, b);
  return ms === undefined ? undefined : { requeueAfterMs: ms };
}

/**
 * Whether the guest agent can be asked. A desktop that does not run has nobody logged on; one
 * that runs without a connected agent (booting, no agent installed, paused) cannot be seen into.
 */
function lookAt(desktop: Desktop): 'poll' | 'off' | 'unknown' {
  const status = desktopFacts(desktop).state;
  if (status === 'Running') {
    const agent = desktop.status?.conditions?.find((c) => c.type === 'AgentConnected');
    return agent?.status === 'True' ? 'poll' : 'unknown';
  }
  if (status === 'Paused' || status === 'Migrating' || status === 'Unknown') return 'unknown';
  return 'off';
}

/** ±10 %, so desktops bound together are not all read in the same second forever after. */
function withJitter(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}
