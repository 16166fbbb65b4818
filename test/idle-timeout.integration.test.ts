// A pool's idle timeout end to end, through the real operator (in this process, so the test can
// move the clock it decides session policies by) and the KubeVirt simulator: nobody logs on to a
// bound desktop, the clock moves past the timeout, and the operator acts — a Release pool ends the
// claim (phase Released, reason IdleTimeout) and takes the desktop back; a PowerOff pool shuts the
// desktop down and keeps the claim.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSimulator } from '../local/simulator/start.js';
import { CLAIM_UID_ANNOTATION } from '../src/api/annotations.js';
import { type RunningOperator, startOperator } from '../src/operator.js';
import { silentLogger } from '../src/runtime/log.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';

const namespace = useTestNamespace('idle');
const { templateWithDisks, pool, claim, readClaim, vms, bound } = useDesktops(namespace);

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function eventReasons(claimName: string): Promise<string[]> {
  const events = await kubeconfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace() });
  return events.items.filter((e) => e.involvedObject.name === claimName).map((e) => e.reason ?? '');
}

describe('the idle timeout of a session policy', () => {
  it('releases an idle claim of a Release pool and powers off the idle desktop of a PowerOff pool', async () => {
    const ns = namespace();
    const sim = await startSimulator({
      kubeconfig: inject('cluster').adminKubeconfig,
      namespace: ns,
      bootDelayMs: 50,
      stopDelayMs: 20,
      cloneDelayMs: 50,
    });
    stops.push(() => sim.stop());
    let offsetMs = 0;
    const operator: RunningOperator = await startOperator({
      kubeconfig: kubeconfig(),
      log: silentLogger,
      namespace: ns,
      sessions: { pollIntervalMs: 200 },
      clock: { now: () => new Date(Date.now() + offsetMs) },
    });
    stops.push(() => operator.stop());

    await templateWithDisks();
    const idle = (action: string) => ({ idle: { action, timeoutMinutes: 30 } });
    await pool('sales', { size: 1, prestarted: 1, session: idle('Release') });
    await pool('lab', { size: 1, prestarted: 1, session: idle('PowerOff') });
    await claim('alice', 'alice', 'sales');
    await claim('bob', 'bob', 'lab');
    const alice = await bound('alice', { ready: true });
    await bound('bob', { ready: true });
    // Nobody logs on: each claim says what falls due, and when.
    for (const [name, action] of [
      ['alice', 'Release'],
      ['bob', 'PowerOff'],
    ] as const) {
      await eventually(async () =>
        expect((await readClaim(name)).status?.pendingAction).toMatchObject({ action, reason: 'IdleTimeout' }),
      );
    }

    // Half an hour and a minute later by the operator's clock. Its timers count real time (the
    // recheck it scheduled is 30 minutes away), so a change of each pool makes it look again.
    offsetMs = 31 * 60_000;
    const custom = kubeconfig().makeApiClient(CustomObjectsApi);
    for (const name of ['sales', 'lab']) {
      await custom.patchNamespacedCustomObject(
        {
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: 'virtualdesktoppools',
          namespace: ns,
          name,
          body: { metadata: { annotations: { 'example.com/touched': 'yes' } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }

    await eventually(async () => {
      const c = await readClaim('alice');
      expect(c.status?.phase).toBe('Released');
      expect(c.status?.conditions?.find((x) => x.type === 'Released')).toMatchObject({
        status: 'True',
        reason: 'IdleTimeout',
      });
    });
    // Her desktop goes back: nothing is bound to her claim any more.
    await eventually(async () =>
      expect(
        (await vms()).filter((vm) => vm.metadata?.annotations?.[CLAIM_UID_ANNOTATION] === alice.metadata?.uid),
      ).toEqual([]),
    );
    expect(await eventReasons('alice')).toContain('IdleTimeout');

    // bob keeps his claim; his desktop is shut down.
    const bobs = (await readClaim('bob')).status?.desktop?.name;
    await eventually(async () =>
      expect((await vms()).find((vm) => vm.metadata?.name === bobs)?.spec.runStrategy).toBe('Halted'),
    );
    expect((await readClaim('bob')).status?.phase).toBe('Bound');
    await eventually(async () => expect(await eventReasons('bob')).toContain('IdleTimeout'));
  });
});
