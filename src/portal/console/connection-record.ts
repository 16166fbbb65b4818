// An open console connection, made visible beyond the replica that carries it: the portal writes
// a record on the claim that holds the desktop (console.kubevdi.io/<id>, see
// src/api/console-record.ts) as the person, refreshes it every minute together with the claim's
// activity annotation (an open console counts as activity: the idle and logoff timers restart),
// marks it ended when the connection ends, and follows the claim meanwhile so an administrator's
// request to end the connection (the console-end.kubevdi.io/<id> annotation, written through the
// Admin Portal) reaches this replica within moments, and so does another replica's take-over of
// the desktop (elsewhere.ts). The operator turns the records into the claim's status and Events.
// Failures never touch the connection: a pool admin's support console on someone's desktop they
// may not write to, or a sign-in that ran out, is simply not recorded.
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { ACTIVITY_ANNOTATION, CLAIM_ANNOTATION } from '../../api/annotations.js';
import {
  CONSOLE_REFRESH_MS,
  type ConsoleRecord,
  consoleAnnotation,
  consoleRecords,
  endRequestedBy,
} from '../../api/console-record.js';
import { CLAIMS } from '../../api/desktopclaim.js';
import { API_VERSION } from '../../api/meta.js';
import { followObject } from '../claim-watch.js';
import type { ClaimObject } from '../kube-objects.js';
import { readVm } from '../vms.js';
import type { ConnectionFacts } from './audit.js';
import type { ConsoleEnd } from './metrics.js';

export interface RecordOptions {
  /** Who connected, as the API server names them (asked once, shared with the audit line). */
  person: Promise<string>;
  /** An administrator asked for this connection to end: end it (the record's `ended` follows). */
  onEndRequested(by: string): void;
  /** Another tab or device took the desktop over through another replica (elsewhere.ts): end it. */
  onTakenOver?(): void;
  refreshMs?: number;
}

export interface ConnectionRecord {
  /** Who asked for the end, once someone has. */
  endRequestedBy(): string | undefined;
  /** Marks the record ended (once) and stops refreshing and following. */
  ended(by: ConsoleEnd): void;
}

export function recordConnection(
  kc: KubeConfig,
  log: FastifyBaseLogger,
  facts: ConnectionFacts,
  options: RecordOptions,
): ConnectionRecord {
  const { id } = facts;
  const key = consoleAnnotation(id);
  const since = new Date().toISOString();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const stop = new AbortController();
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  let claim: string | undefined;
  let endRequest: string | undefined;
  let followed: string | undefined;
  let done = false;

  const trouble = (err: unknown, what: string) =>
    log.debug(
      { console: `${facts.namespace}/${facts.desktop}`, cause: err instanceof Error ? err.message : String(err) },
      what,
    );

  const record = async (extra: Partial<ConsoleRecord>): Promise<string> => {
    const value: ConsoleRecord = {
      protocol: facts.protocol,
      person: await options.person,
      client: facts.client,
      desktop: facts.desktop,
      since,
      seen: new Date().toISOString(),
      ...extra,
    };
    return JSON.stringify(value);
  };

  const patch = (name: string, annotations: Record<string, string>) =>
    custom.patchNamespacedCustomObject(
      { ...CLAIMS, namespace: facts.namespace, name, body: { metadata: { annotations } } },
      mergePatch,
    );

  let takenOver = false;
  const claimChanged = (object: ClaimObject) => {
    if (done) return;
    const annotations = object.metadata?.annotations;
    const by = endRequestedBy(annotations, id);
    if (by && !endRequest) {
      endRequest = by;
      options.onEndRequested(by);
      return;
    }
    const mine = consoleRecords(annotations).find((e) => e.id === id);
    if (mine?.record.takenOverAt && !takenOver) {
      takenOver = true;
      options.onTakenOver?.();
    }
  };

  const follow = (name: string) => {
    if (followed === name) return;
    followed = name;
    followObject<ClaimObject>(
      kc,
      `/apis/${API_VERSION}/namespaces/${encodeURIComponent(facts.namespace)}/desktopclaims`,
      name,
      { changed: claimChanged, gone: () => {}, signedOut: () => {} },
      stop.signal,
    ).catch((err: unknown) => trouble(err, 'could not follow the claim of a console connection'));
  };

  const refresh = async () => {
    try {
      // Read each time: the desktop may have been given back and bound to another claim.
      const name = (await readVm(kc, facts.namespace, facts.desktop))?.metadata?.annotations?.[CLAIM_ANNOTATION];
      if (!name || done) return;
      claim = name;
      await patch(name, { [ACTIVITY_ANNOTATION]: new Date().toISOString(), [key]: await record({}) });
      if (!done) follow(name);
    } catch (err) {
      trouble(err, 'could not record a console connection on its claim');
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), options.refreshMs ?? CONSOLE_REFRESH_MS);
  timer.unref();

  return {
    endRequestedBy: () => endRequest,
    ended(by) {
      if (done) return;
      done = true;
      clearInterval(timer);
      stop.abort();
      if (!claim) return;
      const name = claim;
      void (async () => {
        try {
          await patch(name, { [key]: await record({ ended: new Date().toISOString(), endedBy: by }) });
        } catch (err) {
          trouble(err, 'could not record the end of a console connection');
        }
      })();
    },
  };
}
