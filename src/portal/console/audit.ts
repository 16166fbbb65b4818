// Who connected to which desktop, when, from where, how much went each way and why it ended: one
// structured line in the portal's log per console connection (VNC or RDP), written when it ends,
// for the platform team's log pipeline. The person is who the API server says the token belongs to
// (SelfSubjectReview), asked when the connection opens.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyBaseLogger } from 'fastify';
import { whoami } from '../whoami.js';
import type { ConsoleEnd, ConsoleProtocol } from './metrics.js';

export interface ConnectionAudit {
  /** Bytes just carried, each way. */
  carried(toDesktop: number, toBrowser: number): void;
  /** Writes the line; called once, when the connection ends. */
  ended(by: ConsoleEnd): void;
}

export interface ConnectionFacts {
  protocol: ConsoleProtocol;
  namespace: string;
  desktop: string;
  /** The browser's address as the portal saw it (behind a proxy: the proxy's, unless it is trusted). */
  client: string;
  takeOver: boolean;
}

/** The audit line's fields: pure, so its shape is tested and stays stable for log pipelines. */
export function auditLine(
  facts: ConnectionFacts,
  person: string,
  startedAt: Date,
  endedAt: Date,
  bytes: { toDesktop: number; toBrowser: number },
  endedBy: ConsoleEnd,
) {
  return {
    audit: 'console-connection',
    protocol: facts.protocol,
    person,
    desktop: `${facts.namespace}/${facts.desktop}`,
    client: facts.client,
    takeOver: facts.takeOver,
    start: startedAt.toISOString(),
    end: endedAt.toISOString(),
    seconds: Math.round((endedAt.getTime() - startedAt.getTime()) / 1000),
    bytesToDesktop: bytes.toDesktop,
    bytesToBrowser: bytes.toBrowser,
    endedBy,
  };
}

export function auditConnection(kc: KubeConfig, log: FastifyBaseLogger, facts: ConnectionFacts): ConnectionAudit {
  const startedAt = new Date();
  // Asked now, read at the end; a person the API server cannot name is still recorded.
  const person = whoami(kc).then(
    (me) => me.username,
    () => '(unknown)',
  );
  const bytes = { toDesktop: 0, toBrowser: 0 };
  let done = false;
  return {
    carried(toDesktop, toBrowser) {
      bytes.toDesktop += toDesktop;
      bytes.toBrowser += toBrowser;
    },
    ended(by) {
      if (done) return;
      done = true;
      const endedAt = new Date();
      void person.then((name) =>
        log.info(auditLine(facts, name, startedAt, endedAt, { ...bytes }, by), 'console connection ended'),
      );
    },
  };
}
