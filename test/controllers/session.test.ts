import { describe, expect, it } from 'vitest';
import { cannotAsk, parseUserList, virtApiDown } from '../../src/controllers/guest-agent.js';
import { observeActivity, observeSession, type Session } from '../../src/controllers/session-observation.js';
import { sessionVerdict, type VerdictInput } from '../../src/controllers/session-policy.js';

const BOUND = '2026-11-25T08:00:00Z';
const at = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00Z`);
const alice = { userName: 'alice', loginTime: '2026-11-25T08:01:00Z' };
const bob = { userName: 'bob', domain: 'CORP', loginTime: '2026-11-25T08:02:00Z' };

describe('observing a session', () => {
  it('counts idle time from the bind while nobody has logged on yet', () => {
    const { session, logons, logoffs } = observeSession(undefined, { kind: 'users', users: [] }, at('08:05'), BOUND);
    expect(session).toEqual({ guestAgentConnected: true, idleSince: BOUND });
    expect([logons, logoffs]).toEqual([[], []]);
  });

  it('reports logons and logoffs, and a logoff starts the idle clock', () => {
    const on = observeSession({ idleSince: BOUND }, { kind: 'users', users: [bob, alice] }, at('08:05'), BOUND);
    expect(on.session).toEqual({ loggedInUsers: [alice, bob], guestAgentConnected: true });
    expect(on.logons).toEqual([alice, bob]);

    const half = observeSession(on.session, { kind: 'users', users: [alice] }, at('09:00'), BOUND);
    expect(half.logoffs).toEqual([bob]);
    expect(half.session.idleSince).toBeUndefined();

    const off = observeSession(half.session, { kind: 'users', users: [] }, at('10:00'), BOUND);
    expect(off.logoffs).toEqual([alice]);
    expect(off.session).toEqual({
      guestAgentConnected: true,
      idleSince: '2026-11-25T10:00:00Z',
      lastSeenTime: '2026-11-25T10:00:00Z',
    });

    // The same look again changes nothing (no write, no Event).
    const again = observeSession(off.session, { kind: 'users', users: [] }, at('10:01'), BOUND);
    expect(again).toEqual({ session: off.session, logons: [], logoffs: [] });
  });

  it('says why while KubeVirt does not answer, keeps the users last seen, lets no policy act, and forgets it once it answers', () => {
    const on = observeSession({ idleSince: BOUND }, { kind: 'users', users: [alice] }, at('08:05'), BOUND);
    const down = observeSession(on.session, { kind: 'unreachable', message: 'HTTP 503' }, at('08:10'), BOUND);
    expect(down.session).toEqual({
      loggedInUsers: [alice],
      guestAgentConnected: false,
      kubevirtUnavailable: 'HTTP 503',
    });
    expect([down.logons, down.logoffs]).toEqual([[], []]);
    const back = observeSession(down.session, { kind: 'users', users: [alice] }, at('08:20'), BOUND);
    expect(back.session).toEqual({ loggedInUsers: [alice], guestAgentConnected: true });
    const agentless = observeSession(down.session, { kind: 'unknown' }, at('08:20'), BOUND);
    expect(agentless.session.kubevirtUnavailable).toBeUndefined();
    expect([virtApiDown(503), virtApiDown(502), virtApiDown(504), virtApiDown(500), virtApiDown(404)]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('lists a user logged on twice once, since the earlier logon', () => {
    const early = { userName: 'alice', loginTime: '2026-11-25T07:00:00Z' };
    const { session } = observeSession(undefined, { kind: 'users', users: [alice, early] }, at('08:05'), BOUND);
    expect(session.loggedInUsers).toEqual([early]);
  });

  it('a desktop that was shut down has nobody logged on', () => {
    const on: Session = { loggedInUsers: [alice], guestAgentConnected: true };
    const { session, logoffs } = observeSession(on, { kind: 'off' }, at('09:00'), BOUND);
    expect(logoffs).toEqual([alice]);
    expect(session.idleSince).toBe('2026-11-25T09:00:00Z');
    expect(session.lastSeenTime).toBe('2026-11-25T09:00:00Z');
  });

  it('without a guest agent nothing is known: users kept, no idle clock', () => {
    const on: Session = { loggedInUsers: [alice], guestAgentConnected: true };
    const unknown = observeSession(on, { kind: 'unknown' }, at('09:00'), BOUND);
    expect(unknown).toEqual({
      session: { loggedInUsers: [alice], guestAgentConnected: false },
      logons: [],
      logoffs: [],
    });
    // When the agent is back and nobody is on, idleness counts from then, not from the bind.
    const back = observeSession(unknown.session, { kind: 'users', users: [] }, at('09:30'), BOUND);
    expect(back.session.idleSince).toBe('2026-11-25T09:30:00Z');
  });
});

describe('session policies', () => {
  const policy = (over: Partial<VerdictInput['policy']> = {}): VerdictInput['policy'] => ({
    logoff: { action: 'Release', gracePeriodMinutes: 5 },
    idle: { action: 'Release', timeoutMinutes: 120 },
    ...over,
  });
  const input = (over: Partial<VerdictInput>): VerdictInput => ({
    session: undefined,
    assignment: 'Automatic',
    policy: policy(),
    running: true,
    now: at('10:00'),
    ...over,
  });
  const loggedOff: Session = { idleSince: '2026-11-25T09:58:00Z', lastSeenTime: '2026-11-25T09:58:00Z' };

  it('keeps a desktop someone is logged on to, or that nobody can see into', () => {
    expect(sessionVerdict(input({ session: { loggedInUsers: [alice], idleSince: BOUND } }))).toEqual({ kind: 'keep' });
    expect(sessionVerdict(input({ session: { guestAgentConnected: false } }))).toEqual({ kind: 'keep' });
    expect(sessionVerdict(input({}))).toEqual({ kind: 'keep' });
  });

  it('releases an automatic desktop when the logoff grace period is over, and says when that will be', () => {
    expect(sessionVerdict(input({ session: loggedOff }))).toEqual({
      kind: 'keep',
      recheckInMs: 3 * 60_000,
      pending: {
        action: 'Release',
        reason: 'LoggedOff',
        deadline: '2026-11-25T10:03:00Z',
        message: expect.stringContaining('goes back to the pool 5 minutes later unless you log on again'),
      },
    });
    const verdict = sessionVerdict(input({ session: loggedOff, now: at('10:03') }));
    expect(verdict).toMatchObject({ kind: 'release', reason: 'LoggedOff' });
    expect(verdict.kind === 'release' && verdict.message).toContain('grace period of 5 minutes');
  });

  it('ignores logoff in manual pools and when the action is None, but not idleness', () => {
    const manual = sessionVerdict(input({ session: loggedOff, assignment: 'Manual', now: at('10:03') }));
    expect(manual).toMatchObject({
      kind: 'keep',
      recheckInMs: 115 * 60_000,
      pending: { action: 'Release', reason: 'IdleTimeout', deadline: '2026-11-25T11:58:00Z' },
    });
    const none = sessionVerdict(
      input({
        session: loggedOff,
        policy: policy({ logoff: { action: 'None', gracePeriodMinutes: 5 } }),
        now: at('10:03'),
      }),
    );
    expect(none.kind).toBe('keep');
  });

  it('releases or powers off a desktop nobody used for the idle timeout', () => {
    const idle: Session = { idleSince: BOUND };
    expect(sessionVerdict(input({ session: idle, now: at('09:59') }))).toMatchObject({
      kind: 'keep',
      recheckInMs: 60_000,
      pending: { action: 'Release', reason: 'IdleTimeout', deadline: '2026-11-25T10:00:00Z' },
    });
    expect(sessionVerdict(input({ session: idle }))).toMatchObject({ kind: 'release', reason: 'IdleTimeout' });
    const powerOff = policy({ idle: { action: 'PowerOff', timeoutMinutes: 120 } });
    expect(sessionVerdict(input({ session: idle, policy: powerOff, now: at('09:00') }))).toMatchObject({
      pending: { action: 'PowerOff', message: expect.stringContaining('powered off after 120 minutes') },
    });
    expect(sessionVerdict(input({ session: idle, policy: powerOff }))).toMatchObject({ kind: 'powerOff' });
    // Already off: nothing more to do, and no timer.
    expect(sessionVerdict(input({ session: idle, policy: powerOff, running: false }))).toEqual({ kind: 'keep' });
    const never = policy({ idle: { action: 'Release', timeoutMinutes: 0 } });
    expect(sessionVerdict(input({ session: idle, policy: never }))).toEqual({ kind: 'keep' });
  });
});

describe("KubeVirt's userlist", () => {
  it('turns seconds since the epoch into times and drops nameless entries', () => {
    const users = parseUserList({
      items: [
        { userName: 'alice', domain: '', loginTime: 1764057600.25 },
        { domain: 'CORP' },
        { userName: 'bob', domain: 'CORP' },
      ],
    });
    expect(users).toEqual([
      { userName: 'alice', loginTime: '2025-11-25T08:00:00Z' },
      { userName: 'bob', domain: 'CORP' },
    ]);
  });

  it('tells a guest that cannot be asked now from an error', () => {
    const notRunning =
      'Operation cannot be fulfilled on virtualmachineinstance.kubevirt.io "desk-0": VMI is not running';
    expect(cannotAsk(500, notRunning)).toBe(true);
    expect(cannotAsk(500, 'VMI does not have guest agent connected')).toBe(true);
    expect(cannotAsk(409, '')).toBe(true);
    expect(cannotAsk(404, '')).toBe(true);
    expect(cannotAsk(500, 'etcdserver: request timed out')).toBe(false);
    expect(cannotAsk(403, 'forbidden')).toBe(false);
  });
});

describe("the user's activity", () => {
  it('counts when its mark changes, by the operator’s clock, whatever the user wrote', () => {
    const before: Session = { idleSince: BOUND, guestAgentConnected: true };
    const seen = observeActivity(before, '2099-01-01T00:00:00Z', at('09:00'));
    expect(seen).toEqual({ ...before, lastActivityTime: '2026-11-25T09:00:00Z', activityMark: '2099-01-01T00:00:00Z' });
    expect(observeActivity(seen, '2099-01-01T00:00:00Z', at('09:30'))).toBeUndefined();
    expect(observeActivity(seen, undefined, at('09:30'))).toBeUndefined();
    expect(observeActivity(seen, 'again', at('09:30'))?.lastActivityTime).toBe('2026-11-25T09:30:00Z');
    // A later look at the guest keeps it.
    const looked = observeSession(seen, { kind: 'users', users: [] }, at('09:40'), BOUND);
    expect(looked.session).toMatchObject({
      lastActivityTime: '2026-11-25T09:00:00Z',
      activityMark: '2099-01-01T00:00:00Z',
    });
  });

  it('restarts the idle and logoff clocks', () => {
    const policy: VerdictInput['policy'] = {
      logoff: { action: 'Release', gracePeriodMinutes: 5 },
      idle: { action: 'Release', timeoutMinutes: 30 },
    };
    const session: Session = {
      idleSince: '2026-11-25T09:58:00Z',
      lastSeenTime: '2026-11-25T09:58:00Z',
      lastActivityTime: '2026-11-25T10:02:00Z',
    };
    const verdict = sessionVerdict({ session, assignment: 'Automatic', policy, running: true, now: at('10:04') });
    expect(verdict).toMatchObject({ kind: 'keep', pending: { reason: 'LoggedOff', deadline: '2026-11-25T10:07:00Z' } });
    const manual = sessionVerdict({ session, assignment: 'Manual', policy, running: true, now: at('10:04') });
    expect(manual).toMatchObject({
      kind: 'keep',
      pending: { reason: 'IdleTimeout', deadline: '2026-11-25T10:32:00Z' },
    });
    expect(sessionVerdict({ session, assignment: 'Manual', policy, running: true, now: at('10:32') })).toMatchObject({
      kind: 'release',
      reason: 'IdleTimeout',
    });
  });
});

describe("the capacity's ramp-down for held desktops", () => {
  const noPolicy: VerdictInput['policy'] = {
    logoff: { action: 'None', gracePeriodMinutes: 5 },
    idle: { action: 'None', timeoutMinutes: 0 },
  };
  const rampDown = { idleMinutes: 15, action: 'PowerOff' as const, evenIfLoggedOn: false };
  const closed = { holds: false as const, closedAt: at('18:00') };
  const input = (over: Partial<VerdictInput>): VerdictInput => ({
    session: { idleSince: BOUND, guestAgentConnected: true },
    assignment: 'Automatic',
    policy: noPolicy,
    running: true,
    afterHours: { rampDown, window: closed },
    now: at('18:05'),
    ...over,
  });

  it('only looks again when the window closes while it holds', () => {
    const window = { holds: true as const, window: 'office-hours', until: at('18:00') };
    expect(sessionVerdict(input({ afterHours: { rampDown, window }, now: at('17:00') }))).toEqual({
      kind: 'keep',
      recheckInMs: 60 * 60_000,
    });
  });

  it('counts from the close, or from the last use if later, and then powers off or releases', () => {
    expect(sessionVerdict(input({}))).toMatchObject({
      kind: 'keep',
      recheckInMs: 10 * 60_000,
      pending: { action: 'PowerOff', reason: 'AfterHours', deadline: '2026-11-25T18:15:00Z' },
    });
    const used = { idleSince: BOUND, lastActivityTime: '2026-11-25T18:04:00Z' };
    expect(sessionVerdict(input({ session: used }))).toMatchObject({
      pending: { deadline: '2026-11-25T18:19:00Z' },
    });
    expect(sessionVerdict(input({ now: at('18:15') }))).toMatchObject({ kind: 'powerOff', reason: 'AfterHours' });
    const release = { rampDown: { ...rampDown, action: 'Release' as const }, window: closed };
    // A release takes back a powered-off desktop too; a power-off leaves it alone.
    expect(sessionVerdict(input({ afterHours: release, running: false, now: at('18:15') }))).toMatchObject({
      kind: 'release',
      reason: 'AfterHours',
    });
    expect(sessionVerdict(input({ running: false, now: at('18:15') }))).toEqual({ kind: 'keep' });
  });

  it('leaves a desktop someone is logged on to, unless evenIfLoggedOn, which counts use through the portal', () => {
    const on: Session = { loggedInUsers: [alice], lastActivityTime: '2026-11-25T18:10:00Z' };
    expect(sessionVerdict(input({ session: on, now: at('23:00') }))).toEqual({ kind: 'keep' });
    const forced = { rampDown: { ...rampDown, evenIfLoggedOn: true }, window: closed };
    expect(sessionVerdict(input({ session: on, afterHours: forced }))).toMatchObject({
      pending: { reason: 'AfterHours', deadline: '2026-11-25T18:25:00Z' },
    });
    // Without a guest agent it still counts from the close.
    expect(sessionVerdict(input({ session: undefined, afterHours: forced }))).toMatchObject({
      pending: { deadline: '2026-11-25T18:15:00Z' },
    });
  });

  it("gives way to the pool's own idle timeout when that comes first", () => {
    const idle: VerdictInput['policy'] = { ...noPolicy, idle: { action: 'Release', timeoutMinutes: 30 } };
    const session: Session = { idleSince: '2026-11-25T17:40:00Z' };
    expect(sessionVerdict(input({ policy: idle, session }))).toMatchObject({
      pending: { action: 'Release', reason: 'IdleTimeout', deadline: '2026-11-25T18:10:00Z' },
    });
  });
});
