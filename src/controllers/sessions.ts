// Session controller: who is logged on to each bound desktop. For a bound claim whose desktop
// runs with a connected guest agent it reads KubeVirt's `userlist` every poll interval (never
// faster than the shared rate limit allows, so a thousand desktops cannot flood the API server)
// and writes `status.session` plus logon/logoff Events. Desktops that are not bound or not running
// cost nothing: no request, no timer. A change of the claim's activity annotation (the user saying
// "I am here", through the portal) is recorded at once as lastActivityTime. It only observes;
// the claim controller applies the pool's logoff and idle policies to what it writes.
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
import type { ReadUserList } from './guest-agent.js';
import { guestUserName, type Observation, observeActivity, observeSession } from './session-observation.js';

type Claim = DesktopClaim & KubernetesObject;
type Desktop = VirtualMachine & KubernetesObject;

export interface SessionControllerDeps {
  claims: Informer<Claim>;
  desktops: Informer<Desktop>;
  readUserList: ReadUserList;
  /** Shared by all polls of this operator. */
  limiter: RateLimiter;
  /** Writes `status.session` only, as a field manager of its own. */
  writeStatus: WriteStatus;
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
  const uid = claim?.metadata?.uid as string;
  const desktopName = claim?.status?.desktop?.name;
  const desktop = desktopName ? deps.desktops.get(namespace, desktopName) : undefined;
  const bound =
    claim &&
    !claim.metadata?.deletionTimestamp &&
    claim.status?.phase === 'Bound' &&
    desktop !== undefined &&
    desktopFacts(desktop).claimUid === uid;
  if (!bound || !desktop) {
    if (uid) lastPoll.delete(uid);
    return;
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
      if (active) await deps.writeStatus(CLAIMS, claim, { session: active });
      return { requeueAfterMs: deps.pollIntervalMs - since };
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
  await deps.writeStatus(CLAIMS, claim, { session: change.session });
  // A running desktop is looked at again after the interval; a stopped one when it changes.
  return how === 'poll' ? { requeueAfterMs: withJitter(deps.pollIntervalMs) } : undefined;
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
