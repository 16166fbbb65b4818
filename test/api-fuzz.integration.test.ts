// Issue 14 §2, fuzz through the API server at suite size: generated templates, pools and claims
// (wrong types, huge strings, unicode, boundary numbers, missing and extra fields) sent by the
// people whose job they are. Each is refused with a message naming a field it touched, or
// accepted and reconciled; the operator stays alive and quiet and leaves nothing half-made.
// The seed is printed; `CHAOS_SEED=<seed>` replays it. `npm run chaos` runs thousands.
import { describe, expect, inject, it } from 'vitest';
import { apiFuzzCampaign } from './chaos/fuzz-api.js';
import { campaignSeed } from './chaos/random.js';
import { chaosSize, recordChaosResult } from './chaos/size.js';
import { useTestNamespace } from './support/cluster.js';

const namespace = useTestNamespace('fuzz-api');
const size = chaosSize();

describe('hostile templates, pools and claims through the API server', () => {
  it(
    'are refused naming the field, or reconciled; the operator neither crashes, loops nor leaves leftovers',
    async () => {
      const seed = campaignSeed();
      const cluster = inject('cluster');
      const log = (line: string) => process.stderr.write(`[fuzz seed ${seed}] ${line}\n`);
      log(`API fuzz, ${size.apiFuzzPerKind} inputs per kind (replay with CHAOS_SEED=${seed})`);
      const result = await apiFuzzCampaign({
        namespace: namespace(),
        kubeconfigFile: cluster.adminKubeconfig,
        operatorKubeconfigFile: cluster.userKubeconfigs['kubevdi-operator'] as string,
        seed,
        perKind: size.apiFuzzPerKind,
        batch: 30,
        log,
      });
      await recordChaosResult('api-fuzz', result);
      log(
        `tried ${result.tried}, refused naming the field ${result.refusedNamingField}, refused vaguely ${result.refusedVague.length}, accepted ${result.accepted}, reconciled ${result.reconciled}, crashes ${result.operatorCrashes}, hot loops ${result.hotLoops} (${JSON.stringify(result.quiet)}), leftovers ${result.leftovers.length}`,
      );
      for (const v of result.refusedVague.slice(0, 20)) log(`vague refusal: ${v.input}: ${v.message}`);
      expect(result.serverErrors, `seed ${seed}`).toEqual([]);
      expect(result.notReconciled, `seed ${seed}`).toEqual([]);
      expect(result.leftovers, `seed ${seed}`).toEqual([]);
      expect(result.operatorCrashes).toBe(0);
      expect(result.hotLoops).toBe(0);
      expect(result.refusedVague, `seed ${seed}`).toEqual([]);
      expect(result.accepted).toBeGreaterThan(0);
    },
    size.timeoutMs,
  );
});
