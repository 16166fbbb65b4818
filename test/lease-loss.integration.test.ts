// Losing the leader lease (hole: `kubevdi dev` went on reconciling without it). The lease is taken
// by another holder, as a replica would after this one stalled: `kubevdi operator` exits (1) for
// its Deployment to start it again, and an operator kept by restartOnLeaseLoss (how `kubevdi dev`
// runs it) is stopped and replaced by a fresh one that takes the lease again and reconciles.
import { CoordinationV1Api, CustomObjectsApi, V1MicroTime } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startOperator } from '../src/operator.js';
import { type RestartingOperator, restartOnLeaseLoss } from '../src/operator-restarts.js';
import { silentLogger } from '../src/runtime/log.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { startOperatorProcess } from './support/operator.js';

const LEASE = 'kubevdi-operator';
const namespace = useTestNamespace('lease-loss');
const { templateWithDisks } = useDesktops(namespace);
const leases = () => kubeconfig().makeApiClient(CoordinationV1Api);
const holder = async () =>
  (await leases().readNamespacedLease({ namespace: namespace(), name: LEASE })).spec?.holderIdentity;

/** Another replica takes the lease (a compare-and-swap, as a real one would) and holds it for `seconds`. */
async function takeLease(identity: string, seconds: number): Promise<void> {
  await eventually(async () => {
    const lease = await leases().readNamespacedLease({ namespace: namespace(), name: LEASE });
    const now = new V1MicroTime();
    await leases().replaceNamespacedLease({
      namespace: namespace(),
      name: LEASE,
      body: {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: identity,
          leaseDurationSeconds: seconds,
          acquireTime: now,
          renewTime: now,
        },
      },
    });
  });
}

let kept: RestartingOperator | undefined;
afterEach(async () => {
  await kept?.stop();
  kept = undefined;
});

describe('losing the leader lease', () => {
  it('makes `kubevdi operator` exit with 1, for its Deployment to start it again', async () => {
    const operator = await startOperatorProcess(namespace(), ['--lease-duration', '3s']);
    await eventually(async () => expect(await holder()).toBeTruthy());
    await takeLease('another-replica', 30);
    await eventually(() => expect(operator.child.exitCode).toBe(1), 30_000);
    expect(await operator.kill()).toBe('exit 1');
    expect(operator.logs().join('\n')).toContain('lost the leader lease');
  });

  it('stops the operator kept by restartOnLeaseLoss and starts a fresh one that leads again', async () => {
    const ns = namespace();
    kept = await restartOnLeaseLoss(
      () =>
        startOperator({
          kubeconfig: kubeconfig(),
          log: silentLogger,
          namespace: ns,
          leaderElection: {
            namespace: ns,
            name: LEASE,
            leaseDurationMs: 3000,
            renewDeadlineMs: 2000,
            retryPeriodMs: 400,
          },
        }),
      silentLogger,
    );
    await kept.leading();
    const ours = await holder();
    expect(ours).toBeTruthy();
    const first = kept.current();

    // Held for 3 s by someone else, then left to expire: our operator loses it and must take it back.
    await takeLease('another-replica', 3);
    await eventually(() => expect(kept?.restarts()).toBe(1), 30_000);
    expect(kept.current()).not.toBe(first);
    expect((await first.metrics.leader.get()).values[0]?.value).toBe(0);
    await kept.leading();
    await eventually(async () => expect(await holder()).toBe(ours), 30_000);

    // The fresh operator's controllers work.
    await templateWithDisks();
    const custom = kubeconfig().makeApiClient(CustomObjectsApi);
    await eventually(async () => {
      const template = (await custom.getNamespacedCustomObject({
        group: 'kubevdi.io',
        version: 'v1alpha1',
        plural: 'vmtemplates',
        namespace: ns,
        name: 'fedora',
      })) as { status?: { observedGeneration?: number } };
      expect(template.status?.observedGeneration).toBe(1);
    }, 30_000);
  });
});
