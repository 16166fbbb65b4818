// The event recorder against a real kube-apiserver: a first Event is created, and a repeat of it
// (same object, reason and note) within the series window becomes `series.count: 2` on that same
// Event, not a second object and not a refused patch ("could not record event").
import { CoreV1Api, EventsV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../src/runtime/events.js';
import { kubeconfig, useTestNamespace } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const namespace = useTestNamespace('events');

/** A logger whose warnings the test can read. */
function capturingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

describe('EventRecorder', () => {
  it('counts a repeated event as a series on the same Event', async () => {
    const kc = kubeconfig();
    const ns = namespace();
    const created = await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'subject' }, data: {} },
    });
    const subject = { ...created, apiVersion: 'v1', kind: 'ConfigMap' };
    const { log, lines } = capturingLogger();
    const recorder = new EventRecorder(kc, log);
    const events = kc.makeApiClient(EventsV1Api);
    const ours = async () =>
      (await events.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === 'UserLimitReached');

    recorder.record(subject, 'Warning', 'UserLimitReached', 'alice already holds 1 desktop');
    await eventually(async () => expect(await ours()).toHaveLength(1));
    recorder.record(subject, 'Warning', 'UserLimitReached', 'alice already holds 1 desktop');

    await eventually(async () => {
      const [event, ...more] = await ours();
      expect(more).toHaveLength(0);
      expect(event?.series?.count).toBe(2);
    });
    expect(lines.join('')).not.toContain('could not record event');
  });
});
