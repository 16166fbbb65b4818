// What the portal keeps about one open console connection besides its bytes, for VNC and RDP
// alike: the audit line written when it ends (audit.ts) and the record on the claim that lets every
// replica, the operator and the Admin Portal see it and an administrator end it
// (connection-record.ts). The person is asked of the API server once, for both.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { whoami } from '../whoami.js';
import { auditConnection, type ConnectionFacts } from './audit.js';
import { recordConnection } from './connection-record.js';
import type { ConsoleEnd } from './metrics.js';

export interface ConsoleConnection {
  readonly id: string;
  /** Bytes just carried, each way. */
  carried(toDesktop: number, toBrowser: number): void;
  /** Once, when it ends: the record marked ended, the audit line written. */
  ended(by: ConsoleEnd): void;
}

export interface ConsoleConnectionOptions {
  /** An administrator asked for the end: close the connection (then call `ended('administrator')`). */
  onEndRequested(by: string): void;
  /** Another tab or device took the desktop over through another portal replica: close the connection. */
  onTakenOver?(): void;
  /** How often the record and the activity are refreshed (tests shorten it). */
  refreshMs?: number;
}

/** A connection's id: 16 hex digits, as console records name them. */
export function newConnectionId(): string {
  return randomBytes(8).toString('hex');
}

/** `facts.id`: the id chosen beforehand (an RDP ticket names it), else a new one. */
export function openConsoleConnection(
  kc: KubeConfig,
  log: FastifyBaseLogger,
  facts: Omit<ConnectionFacts, 'id'> & { id?: string },
  options: ConsoleConnectionOptions,
): ConsoleConnection {
  const id = facts.id ?? newConnectionId();
  const all = { ...facts, id };
  // A person the API server cannot name is still recorded.
  const person = whoami(kc).then(
    (me) => me.username,
    () => '(unknown)',
  );
  const audit = auditConnection(log, all, person);
  const record = recordConnection(kc, log, all, {
    person,
    onEndRequested: options.onEndRequested,
    ...(options.onTakenOver ? { onTakenOver: options.onTakenOver } : {}),
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
  });
  return {
    id,
    carried: (toDesktop, toBrowser) => audit.carried(toDesktop, toBrowser),
    ended(by) {
      record.ended(by);
      audit.ended(by, record.endRequestedBy());
    },
  };
}
