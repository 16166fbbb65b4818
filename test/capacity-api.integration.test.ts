// A pool's capacity schedule against the real API server: what cannot be meant is refused with a
// message a person understands (the CEL rules of the CRD), and a schedule that can be meant is
// taken with its defaults. No operator runs here.
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { API_VERSION, GROUP, VERSION } from '../src/api/index.js';
import { applyAs, kubeconfig, refusal, useTestNamespace } from './support/cluster.js';

const namespace = useTestNamespace('capacity-api');
const apply = () => applyAs();

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const officeHours = { name: 'office-hours', days: WEEKDAYS, from: '08:00', to: '18:00', warm: 10 };

const pool = (name: string, capacity: Record<string, unknown>, spec: Record<string, unknown> = {}): KubernetesObject =>
  ({
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    metadata: { name, namespace: namespace() },
    spec: { templateRef: { name: 'fedora' }, size: 20, capacity: { timeZone: 'Europe/Berlin', ...capacity }, ...spec },
  }) as KubernetesObject;

const refused = async (obj: KubernetesObject) => (await refusal(apply()(obj))).message;
const invalid = (name: string, what: string) => `VirtualDesktopPool.kubevdi.io "${name}" is invalid: ${what}`;

describe('a capacity schedule', () => {
  it('is taken with its defaults when it can be meant', async () => {
    await apply()(
      pool('office', {
        schedules: [
          officeHours,
          { name: 'late', days: ['Friday'], from: '18:00', to: '24:00', warm: '20%', minWarm: 2, maxWarm: 8 },
          { name: 'saturday', days: ['Saturday'], from: '00:00', to: '06:00', warm: 1 },
        ],
      }),
    );
    const api = kubeconfig().makeApiClient(CustomObjectsApi);
    const read = (await api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: namespace(),
      plural: 'virtualdesktoppools',
      name: 'office',
    })) as { spec: { capacity: Record<string, unknown>; prestarted: number } };
    expect(read.spec.capacity).toMatchObject({ offPeakWarm: 0, powerOffDelayMinutes: 30 });
    expect(read.spec.capacity).not.toHaveProperty('warmTimeToLiveMinutes');
    expect(read.spec.prestarted).toBe(0);
  });

  it.each([
    [
      'two windows that overlap on a day they share',
      {
        schedules: [officeHours, { name: 'lunch', days: ['Friday', 'Saturday'], from: '12:00', to: '13:00', warm: 2 }],
      },
      'spec.capacity.schedules: Invalid value: windows office-hours and lunch overlap on a day they share: on one day, a window must close at or before the next opens',
    ],
    [
      'a window that ends before it begins',
      { schedules: [{ ...officeHours, from: '22:00', to: '06:00' }] },
      'spec.capacity.schedules[0].to: Invalid value: from must be before to: a window lies within one day (e.g. 08:00 to 18:00); for one over midnight write two, one to 24:00 and one from 00:00',
    ],
    [
      'a window that ends as it begins',
      { schedules: [{ ...officeHours, from: '08:00', to: '08:00' }] },
      'spec.capacity.schedules[0].to: Invalid value: from must be before to: a window lies within one day (e.g. 08:00 to 18:00); for one over midnight write two, one to 24:00 and one from 00:00',
    ],
    [
      'a time that is not HH:MM',
      { schedules: [{ ...officeHours, from: '8:00' }] },
      'spec.capacity.schedules[0].from: Invalid value: "8:00": from must be a time of day as HH:MM on a 24-hour clock, from 00:00 to 23:59 (e.g. 08:00)',
    ],
    [
      'an hour past the end of the day',
      { schedules: [{ ...officeHours, to: '24:30' }] },
      'spec.capacity.schedules[0].to: Invalid value: "24:30": to must be a time of day as HH:MM on a 24-hour clock, from 00:01 to 24:00 (e.g. 18:00; 24:00 is the end of the day)',
    ],
    [
      'a time zone written as an offset',
      { timeZone: '+01:00' },
      'spec.capacity.timeZone: Invalid value: "+01:00": timeZone must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC (not an offset like +01:00)',
    ],
    [
      'a time zone with a space',
      { timeZone: 'Europe/New York' },
      'spec.capacity.timeZone: Invalid value: "Europe/New York": timeZone must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC (not an offset like +01:00)',
    ],
    [
      'a percentage over 100',
      { schedules: [{ ...officeHours, warm: '150%' }] },
      'spec.capacity.schedules[0].warm: Invalid value: warm must be a number of desktops (10) or a percentage from 0% to 100% ("20%")',
    ],
    [
      'a floor on a plain number',
      { schedules: [{ ...officeHours, minWarm: 2 }] },
      'spec.capacity.schedules[0].warm: Invalid value: minWarm and maxWarm bound a percentage; with a number of desktops, warm is that number',
    ],
    [
      'a floor above the ceiling',
      { schedules: [{ ...officeHours, warm: '20%', minWarm: 9, maxWarm: 3 }] },
      'spec.capacity.schedules[0].minWarm: Invalid value: minWarm cannot be larger than maxWarm',
    ],
  ])('refuses %s', async (_, capacity, message) => {
    const name = 'bad-schedule';
    expect(await refused(pool(name, capacity))).toBe(invalid(name, message));
  });

  it('refuses a growth minimum above the size it grows to', async () => {
    const grows = (name: string, growth: Record<string, unknown>): KubernetesObject =>
      ({
        apiVersion: API_VERSION,
        kind: 'VirtualDesktopPool',
        metadata: { name, namespace: namespace() },
        spec: { templateRef: { name: 'fedora' }, size: 20, growth },
      }) as KubernetesObject;
    expect(await refused(grows('too-few', { minSize: 30 }))).toBe(
      invalid(
        'too-few',
        'spec.growth.minSize: Invalid value: growth.minSize cannot be larger than size: size is the most desktops the pool grows to',
      ),
    );
    const taken = await apply()(grows('grows', { minSize: 5 }));
    expect((taken as unknown as { spec: { growth: unknown } }).spec.growth).toEqual({
      minSize: 5,
      spare: 0,
      removeAfterMinutes: 30,
    });
  });

  it('refuses prestarted beside a schedule, and a time-to-live on a Persistent pool', async () => {
    expect(await refused(pool('both', {}, { prestarted: 3 }))).toBe(
      invalid(
        'both',
        'spec.prestarted: Invalid value: prestarted and capacity cannot both be set: capacity decides the warm desktops in its windows and offPeakWarm outside them; remove prestarted',
      ),
    );
    expect(await refused(pool('keeps', { warmTimeToLiveMinutes: 240 }, { persistence: 'Persistent' }))).toBe(
      invalid(
        'keeps',
        'spec.capacity.warmTimeToLiveMinutes: Invalid value: capacity.warmTimeToLiveMinutes replaces warm desktops with fresh ones, which only a Stateless pool may do; remove it or make the pool Stateless',
      ),
    );
  });
});
