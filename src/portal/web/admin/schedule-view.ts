// A pool's warm desktops on its page (its Capacity section): the phase and warm target the operator says hold now and when
// they change, the schedule's windows of the week, what holds outside them, growth, and the 24-hour
// chart of the warm target against running and halted desktops. Someone who may update the pool
// gets a link to edit the schedule in the pool's form (the same dry run as every other field).
import './schedule.css';
import type { AdminPool, PoolSchedule, ScheduleWindow } from '../../admin/types.js';
import { h } from '../dom.js';
import { svgElement } from '../svg-element.js';
import { capacityChart, chartZone } from './capacity-chart.js';
import type { AdminContext } from './context.js';
import { poolScheduleHash } from './routes.js';
import { daysText, minutesText, nextChangeText, phaseText, warmText } from './schedule-text.js';
import { table } from './table.js';

/** The chart is laid out again when its box changes width by more than this (a turned phone). */
const RELAYOUT_PX = 24;

function chartBox(schedule: PoolSchedule, pool: AdminPool): HTMLElement {
  const box = h('div', { class: 'chart-box' });
  const timeZone = chartZone(schedule.capacity?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  let drawn = 0;
  const draw = (width: number) => {
    if (width <= 0 || Math.abs(width - drawn) < RELAYOUT_PX) return;
    drawn = width;
    box.replaceChildren(svgElement(capacityChart(schedule.chart, { width, timeZone, pool: pool.displayName })));
  };
  new ResizeObserver((entries) => draw(entries[0]?.contentRect.width ?? 0)).observe(box);
  return box;
}

export function scheduleSection(context: AdminContext, pool: AdminPool, schedule: PoolSchedule): HTMLElement {
  const { capacity, growth } = schedule;
  const next = nextChangeText(schedule, new Date());
  const editable = context.in(pool.namespace)?.pools.update === true;
  const facts: (Node | string)[] = [];
  const fact = (term: string, value: string) => facts.push(h('dt', {}, term), h('dd', {}, value));
  if (capacity) {
    fact('Time zone', capacity.timeZone);
    fact('Off-peak', `${capacity.offPeakWarm} kept warm outside every window`);
    fact('Power-off delay', `${minutesText(capacity.powerOffDelayMinutes)} before surplus desktops are powered off`);
    fact(
      'Time to live',
      capacity.warmTimeToLiveMinutes === undefined
        ? 'None: warm desktops are kept until claimed'
        : `A warm desktop nobody claims is replaced after ${minutesText(capacity.warmTimeToLiveMinutes)}`,
    );
  }
  if (capacity) {
    const ramp = capacity.rampDown;
    fact(
      'After hours',
      ramp
        ? `A held desktop nobody uses is ${ramp.action === 'Release' ? 'released' : 'powered off'} ${minutesText(ramp.idleMinutes)} after the windows close or its last use${ramp.evenIfLoggedOn ? ', even with someone logged on' : ''}; its holder sees the countdown`
        : 'Held desktops keep running (no ramp-down)',
    );
  }
  if (schedule.now?.heldPeak !== undefined)
    fact('Peak held', `${schedule.now.heldPeak} at once in the last seven days (what percentages are of)`);
  if (growth)
    fact(
      'Growth',
      `${growth.minSize} to ${growth.maxSize} desktops, ${growth.spare} spare; idle surplus removed after ${minutesText(growth.removeAfterMinutes)}` +
        (growth.targetSize === undefined ? '' : `; keeps ${growth.targetSize} now`),
    );
  return h(
    'section',
    { class: 'schedule', 'aria-labelledby': 'schedule-heading' },
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: 'schedule-heading' }, 'Capacity'),
      editable
        ? h(
            'a',
            { class: 'button', href: poolScheduleHash(pool.namespace, pool.name) },
            capacity ? 'Edit schedule' : 'Add a schedule',
          )
        : false,
    ),
    h('p', { class: 'phase' }, phaseText(schedule)),
    next ? h('p', { class: 'next-change' }, next) : false,
    capacity
      ? table<ScheduleWindow>(
          `Windows of the week of ${pool.displayName}`,
          [
            { header: 'Window', cell: (w) => w.name },
            { header: 'Days', cell: (w) => daysText(w.days) },
            { header: 'From–to', cell: (w) => `${w.from}–${w.to}`, nowrap: true },
            { header: 'Warm', cell: (w) => warmText(w) },
          ],
          capacity.windows,
          'No windows: the off-peak count holds all week.',
        )
      : false,
    facts.length ? h('dl', { class: 'facts schedule-facts' }, ...facts) : false,
    h('h3', {}, 'The last 24 hours and the next'),
    chartBox(schedule, pool),
  );
}
