// Issue 14 §2, the SIGKILL campaign at suite size: the operator killed at random moments while
// pools scale and people claim and release, every invariant of test/chaos/invariants.ts checked
// after each kill. The seed is printed; `CHAOS_SEED=<seed>` replays a run. `npm run chaos` runs
// the same campaign with 50 kills (docs/CHAOS.md).
import { describe, expect, inject, it } from 'vitest';
import { percentile } from '../bench/harness/stats.js';
import { campaignSeed } from './chaos/random.js';
import { sigkillCampaign } from './chaos/sigkill.js';
import { chaosSize, recordChaosResult } from './chaos/size.js';
import { kubeconfig, useTestNamespace } from './support/cluster.js';

const namespace = useTestNamespace('chaos-kill');
const size = chaosSize();

describe('the operator killed at random moments under load', () => {
  it(
    'never duplicates, double-binds, loses a claim or leaves a grant, and converges after each kill',
    async () => {
      const seed = campaignSeed();
      const cluster = inject('cluster');
      const log = (line: string) => process.stderr.write(`[chaos seed ${seed}] ${line}\n`);
      log(`SIGKILL campaign (replay with CHAOS_SEED=${seed})`);
      const result = await sigkillCampaign(
        {
          admin: kubeconfig(),
          adminKubeconfigFile: cluster.adminKubeconfig,
          operatorKubeconfigFile: cluster.userKubeconfigs['kubevdi-operator'] as string,
        },
        {
          namespace: namespace(),
          seed,
          kills: size.kills,
          pools: size.large ? 3 : 2,
          maxSize: size.large ? 8 : 5,
          maxRunMs: 2500,
          convergeTimeoutMs: 45_000,
          log,
        },
      );
      await recordChaosResult('sigkill', result);
      log(
        `${result.kills} kills, ${result.invariantChecks} invariant checks, ${result.violations.length} violations, converged in median ${percentile(result.convergeMs, 50)} ms, max ${Math.max(...result.convergeMs)} ms; load ${JSON.stringify(result.actions)}`,
      );
      expect(result.violations, `seed ${seed}`).toEqual([]);
      expect(result.kills).toBe(size.kills);
      expect(result.invariantChecks).toBeGreaterThan(100);
    },
    size.timeoutMs,
  );
});
