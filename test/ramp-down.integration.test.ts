// The capacity's ramp-down for held desktops, end to end: the operator as its own process on a
// clock the test moves, the KubeVirt simulator, a real API server. When the pool's window closes,
// a held desktop nobody is logged on to gets a countdown and is powered off when it runs out; one
// someone is logged on to is left alone; a pool that also takes logged-on desktops (Azure Virtual
// Desktop's forced logoff) counts from the last use through the portal, and "I'm still working"
// moves its deadline.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_ANNOTATION } from '../src/api/annotations.js';
import { useClockFile } from './support/clock-file.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { setLoggedInUsers } from './support/guest.js';
import { useWorld } from './support/world.js';

const namespace = useTestNamespace('rampdown');
const world = useWorld(namespace);
const clock = useClockFile();
const { templateWithDisks, pool, claim, readClaim, vms, bound } = useDesktops(namespace);

const officeHours = {
  name: 'office-hours',
  days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'],
  from: '08:00',
  to: '18:00',
  warm: 0,
};

async function claimEvents(claimName: string): Promise<string[]> {
  const events = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() });
  return events.items.filter((e) => e.involvedObject.name === claimName).map((e) => e.reason ?? '');
}

async function runStrategyOf(claimName: string): Promise<string | undefined> {
  const desktop = (await readClaim(claimName)).status?.desktop?.name;
  return (await vms()).find((vm) => vm.metadata?.name === desktop)?.spec.runStrategy;
}

describe("a pool's ramp-down after its hours", () => {
  it('counts down and powers off held desktops nobody uses once the window closes, and leaves those in use', async () => {
    // Monday 23 March 2026 in Berlin (+01:00), ten minutes before the window closes.
    await clock.set('2026-03-23T17:50:00+01:00');
    const operator = await world.start([...clock.flags(), '--session-poll-interval', '0.2s']);
    await templateWithDisks();
    const capacity = (rampDown: object) => ({ timeZone: 'Europe/Berlin', schedules: [officeHours], rampDown });
    // No idle timeout of their own: whatever happens here is the ramp-down's.
    const session = { idle: { action: 'None' } };
    await pool('sales', { size: 2, session, capacity: capacity({ idleMinutes: 15 }) });
    await pool('lab', {
      size: 1,
      session,
      capacity: capacity({ idleMinutes: 15, action: 'Release', evenIfLoggedOn: true }),
    });
    await claim('alice', 'alice', 'sales');
    await claim('bob', 'bob', 'sales');
    await claim('carol', 'carol', 'lab');
    for (const name of ['alice', 'bob', 'carol']) await bound(name, { ready: true });
    // bob and carol are logged on to their desktops; alice never logged on.
    for (const name of ['bob', 'carol']) {
      const desktop = (await readClaim(name)).status?.desktop?.name as string;
      await setLoggedInUsers(kubeconfig(), namespace(), desktop, [name]);
      await eventually(async () =>
        expect((await readClaim(name)).status?.session?.loggedInUsers?.map((u) => u.userName)).toEqual([name]),
      );
    }
    // Inside the window nothing falls due.
    for (const name of ['alice', 'bob', 'carol']) expect((await readClaim(name)).status?.pendingAction).toBeUndefined();

    // 18:00: the window closes. The operator's own recheck at the window's end finds it.
    await clock.set('2026-03-23T17:59:58+01:00');
    await eventually(async () => {
      expect((await readClaim('alice')).status?.pendingAction).toMatchObject({
        action: 'PowerOff',
        reason: 'AfterHours',
        deadline: '2026-03-23T17:15:00Z',
      });
      expect((await readClaim('carol')).status?.pendingAction).toMatchObject({
        action: 'Release',
        reason: 'AfterHours',
        deadline: '2026-03-23T17:15:00Z',
      });
    }, 60_000);
    expect((await readClaim('alice')).status?.pendingAction?.message).toContain('powered off 15 minutes after that');
    // bob is logged on, and his pool leaves logged-on desktops alone.
    expect((await readClaim('bob')).status?.pendingAction).toBeUndefined();

    // 18:05: carol says she is still working (as the portal does for her): her deadline moves.
    await clock.set('2026-03-23T18:05:00+01:00', operator);
    await kubeconfig()
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        {
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: 'desktopclaims',
          namespace: namespace(),
          name: 'carol',
          body: { metadata: { annotations: { [ACTIVITY_ANNOTATION]: 'still-working-1' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await eventually(async () =>
      expect((await readClaim('carol')).status?.pendingAction?.deadline).toMatch(/^2026-03-23T17:20:[0-5]\dZ$/),
    );

    // 18:15: alice's desktop is powered off; her claim holds. carol's deadline is later.
    await clock.set('2026-03-23T18:14:58+01:00');
    await eventually(async () => expect(await runStrategyOf('alice')).toBe('Halted'), 60_000);
    expect((await readClaim('alice')).status?.phase).toBe('Bound');
    await eventually(async () => expect(await claimEvents('alice')).toContain('AfterHours'));
    expect((await readClaim('carol')).status?.phase).toBe('Bound');
    expect(await runStrategyOf('bob')).toBe('Always');

    // 18:20 and a bit: carol's desktop goes back to the pool, though she is logged on.
    await clock.set('2026-03-23T18:20:10+01:00');
    await eventually(async () => {
      const carol = await readClaim('carol');
      expect(carol.status?.phase).toBe('Released');
      expect(carol.status?.conditions?.find((c) => c.type === 'Released')).toMatchObject({
        status: 'True',
        reason: 'AfterHours',
      });
    }, 60_000);
    expect(await runStrategyOf('bob')).toBe('Always');
    expect((await readClaim('bob')).status?.pendingAction).toBeUndefined();
  }, 240_000);
});
