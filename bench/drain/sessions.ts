// What happened to each held desktop's session while a node was drained, told from what a watch
// of its VMI and its claim saw: went on live elsewhere (the same VMI: KubeVirt never restarts a
// migrated guest), restarted at the time its holder was told, or lost (ended with no countdown
// shown, or before the time it said). Pure: the benchmark feeds it watch events and times.

export interface Session {
  claim: string;
  /** The VMI's uid when the drain began: another uid is another boot. */
  uid: string;
  /** The same VMI was seen running on another node. */
  movedLive?: boolean;
  /** When the holder's claim first showed the maintenance countdown. */
  countdownAt?: number;
  /** When the session ended (its VMI final, deleted or replaced). */
  endedAt?: number;
  /** It ended after a countdown was shown and after that countdown's deadline had passed. */
  warned?: boolean;
}

/** One watch event of the session's VMI. */
export interface InstanceSeen {
  uid: string | undefined;
  node: string | undefined;
  /** Succeeded, Failed, being deleted, or deleted. */
  gone: boolean;
}

/**
 * Updates the session from its VMI as seen at `at`; `deadlinePassedAt` is when the holders'
 * deadline passed (Infinity while it has not, or in a drain that gives none).
 */
export function seeInstance(
  session: Session,
  seen: InstanceSeen,
  drained: string,
  at: number,
  deadlinePassedAt: number,
): void {
  if (session.endedAt !== undefined) return;
  if (seen.uid !== session.uid || seen.gone) {
    session.endedAt = at;
    session.warned = session.countdownAt !== undefined && session.countdownAt <= at && at >= deadlinePassedAt;
  } else if (seen.node && seen.node !== drained) session.movedLive = true;
}

export interface SessionTally {
  migratedLive: number;
  /** Holders shown a countdown while their session still ran. */
  sawCountdown: number;
  restartedAfterCountdown: number;
  lost: number;
}

export function tally(sessions: Iterable<Session>): SessionTally {
  const all = [...sessions];
  return {
    migratedLive: all.filter((s) => s.endedAt === undefined && s.movedLive).length,
    // A countdown that came after the session had ended told nobody anything.
    sawCountdown: all.filter(
      (s) => s.countdownAt !== undefined && (s.endedAt === undefined || s.countdownAt <= s.endedAt),
    ).length,
    restartedAfterCountdown: all.filter((s) => s.endedAt !== undefined && s.warned).length,
    lost: all.filter((s) => s.endedAt !== undefined && !s.warned).length,
  };
}
