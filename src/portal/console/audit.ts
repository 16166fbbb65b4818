// Who connected to which desktop, when, from where, how much went each way and why it ended: one
// structured line in the portal's log per console connection (VNC or RDP), written when it ends,
// for the platform team's log pipeline. The person is who the API server says the token belongs to
// (SelfSubjectReview), asked when the connection opens (connection.ts).
import type { FastifyBaseLogger } from 'fastify';
import type { ConsoleEnd, ConsoleProtocol } from './metrics.js';

export interface ConnectionAudit {
  /** Bytes just carried, each way. */
  carried(toDesktop: number, toBrowser: number): void;
  /** Writes the line; called once, when the connection ends (by an administrator: who asked). */
  ended(by: ConsoleEnd, endRequestedBy?: string): void;
}

export interface ConnectionFacts {
  /** The connection's id: its record on the claim and its Events name it too. */
  id: string;
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
  endRequestedBy?: string,
) {
  return {
    audit: 'console-connection',
    connection: facts.id,
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
    ...(endRequestedBy ? { endRequestedBy } : {}),
  };
}

/** `person`: asked when the connection opens, read at the end. */
export function auditConnection(
  log: FastifyBaseLogger,
  facts: ConnectionFacts,
  person: Promise<string>,
): ConnectionAudit {
  const startedAt = new Date();
  const bytes = { toDesktop: 0, toBrowser: 0 };
  let done = false;
  return {
    carried(toDesktop, toBrowser) {
      bytes.toDesktop += toDesktop;
      bytes.toBrowser += toBrowser;
    },
    ended(by, endRequestedBy) {
      if (done) return;
      done = true;
      const endedAt = new Date();
      void person.then((name) =>
        log.info(
          auditLine(facts, name, startedAt, endedAt, { ...bytes }, by, endRequestedBy),
          'console connection ended',
        ),
      );
    },
  };
}
