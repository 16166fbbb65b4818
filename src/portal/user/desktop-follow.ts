// Follows one of the person's claims and, once it holds a desktop, that desktop too (both watched
// by name, as the person), and hands on the claim as the page shows it: its status with the
// desktop's state (KubeVirt's printableStatus changes — Stopping, Stopped — without the claim
// changing), the kind of pool, and what the person's grant lets them do now.
import { ApiException, type KubeConfig, type V1ResourceRule } from '@kubernetes/client-node';
import type { Claim, ClaimRef } from '../api-types.js';
import { type FollowOptions, followClaim, followObject } from '../claim-watch.js';
import type { ClaimObject, PoolObject, VmObject } from '../kube-objects.js';
import { rulesIn } from '../rules.js';
import { toClaim } from './claim-view.js';
import { readPool } from './claims.js';

export interface DesktopClaimEvents {
  claim(claim: Claim): void;
  gone(ref: ClaimRef): void;
  signedOut(): void;
  /** Something could not be read beside the claim; the claim is sent without it. */
  trouble(err: unknown): void;
}

export function followDesktopClaim(
  kc: KubeConfig,
  username: string,
  ref: ClaimRef,
  events: DesktopClaimEvents,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  let claim: ClaimObject | undefined;
  let vm: VmObject | undefined;
  let pool: PoolObject | undefined;
  let poolRead = false;
  let rules: readonly V1ResourceRule[] | undefined;
  let desktop: { name: string; stop: AbortController } | undefined;
  // Reads overlap when events come quickly: only the newest composition is sent.
  let sequence = 0;

  const send = async (claimChanged: boolean) => {
    const mine = ++sequence;
    const current = claim;
    if (!current) return;
    try {
      // The grant follows the claim (a desktop bound, given back): the rules are asked again
      // whenever the claim changes; a change of the desktop alone keeps them.
      if (claimChanged || !rules) rules = await rulesIn(kc, ref.namespace);
      if (!poolRead && current.spec?.poolRef?.name) {
        pool = await readPool(kc, ref.namespace, current.spec.poolRef.name);
        poolRead = true;
      }
    } catch (err) {
      if (err instanceof ApiException && err.code === 401) return events.signedOut();
      events.trouble(err);
    }
    if (mine !== sequence || signal.aborted) return;
    events.claim(toClaim(current, { ...(rules ? { rules } : {}), ...(pool ? { pool } : {}), ...(vm ? { vm } : {}) }));
  };

  const followDesktop = (name: string | undefined) => {
    if (desktop?.name === name) return;
    desktop?.stop.abort();
    desktop = undefined;
    vm = undefined;
    if (!name || signal.aborted) return;
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    desktop = { name, stop };
    const path = `/apis/kubevirt.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/virtualmachines`;
    followObject<VmObject>(
      kc,
      path,
      name,
      {
        changed: (object) => {
          const before = vm?.status?.printableStatus;
          vm = object;
          if (object.status?.printableStatus !== before) void send(false);
        },
        gone: () => {
          vm = undefined;
          void send(false);
        },
        signedOut: events.signedOut,
      },
      both,
      options,
    ).catch(events.trouble);
  };

  // The desktop's follow ends with `signal` too (AbortSignal.any): no listener of its own on it.
  return followClaim(
    kc,
    username,
    ref,
    {
      claim: (object) => {
        claim = object;
        followDesktop(object.metadata?.deletionTimestamp ? undefined : object.status?.desktop?.name);
        void send(true);
      },
      gone: (gone) => {
        followDesktop(undefined);
        events.gone(gone);
      },
      signedOut: events.signedOut,
    },
    signal,
    options,
  );
}
