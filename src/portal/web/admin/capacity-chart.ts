// The 24-hour chart of a pool's warm desktops: for each hour of the last day the average desktops
// the operator counted free and running (the warm ones), held by someone, and halted, stacked in
// that order so the warm ones stand on the axis beside the warm target's line; the target as a
// step line, solid up to now and dashed for the day ahead. Pure layout (no DOM; width, time zone
// and pool passed in) into SvgNodes, so the unit tests run it in Node; svg.ts makes the elements.
import type { ScheduleChart } from '../../admin/types.js';
import type { SvgNode } from '../svg.js';

export interface ChartOptions {
  /** Pixels the chart may be wide: it is laid out for that width, not scaled, so text stays readable. */
  width: number;
  /** Hours on the axis are this zone's (the schedule's), so 08:00 is the window's 08:00. */
  timeZone: string;
  /** The pool's name, for the chart's title. */
  pool: string;
}

/** Below this width the chart is a phone's: fewer ticks, a shorter plot. */
const NARROW = 600;
const FONT = 12;
/** Roughly how wide a character of the chart's 12 px text is, to lay the legend out in rows. */
const CHAR = 6.8;
const HOUR_MS = 3_600_000;

export const SERIES = [
  { key: 'free', label: 'Running, free (warm)', className: 'chart-free' },
  { key: 'held', label: 'Running, held', className: 'chart-held' },
  { key: 'halted', label: 'Halted', className: 'chart-halted' },
] as const;

const fixed = (n: number) => Math.round(n * 10) / 10;
const desktops = (n: number) => `${fixed(n)} desktop${fixed(n) === 1 ? '' : 's'}`;

/**
 * The zone the chart's hours are in: the schedule's, or UTC when this browser does not know it (the
 * API server checks only that the name looks like one; the operator says so in the pool's status).
 */
export function chartZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** The hour and minute the zone's clock shows at `ms`, and the weekday. */
function wall(ms: number, timeZone: string): { hour: number; minute: number; weekday: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  }).formatToParts(ms);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { hour: Number(part('hour')), minute: Number(part('minute')), weekday: part('weekday') };
}

const hhmm = (ms: number, timeZone: string) => {
  const { hour, minute } = wall(ms, timeZone);
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
};

/** Ticks where the zone's clock shows a whole hour divisible by `every`; at midnight, the day's name. */
export function timeTicks(
  from: number,
  until: number,
  timeZone: string,
  every: number,
): { at: number; label: string }[] {
  const ticks: { at: number; label: string }[] = [];
  // Quarter hours: zones 30 or 45 minutes off UTC have their whole hours there.
  const quarter = HOUR_MS / 4;
  for (let t = Math.ceil(from / quarter) * quarter; t <= until; t += quarter) {
    const { hour, minute, weekday } = wall(t, timeZone);
    if (minute !== 0 || hour % every !== 0) continue;
    ticks.push({ at: t, label: hour === 0 ? weekday : `${String(hour).padStart(2, '0')}:00` });
  }
  return ticks;
}

/** A step of 1, 2 or 5 times a power of ten that puts at most `most` steps up to `max`. */
export function niceStep(max: number, most = 5): number {
  for (let power = 1; ; power *= 10) for (const m of [1, 2, 5]) if (max / (m * power) <= most) return m * power;
}

/** The chart, laid out for `options.width` pixels. */
export function capacityChart(chart: ScheduleChart, options: ChartOptions): SvgNode {
  const { timeZone } = options;
  const width = Math.max(280, Math.round(options.width));
  const narrow = width < NARROW;
  const from = Date.parse(chart.from);
  const now = Date.parse(chart.now);
  const until = Date.parse(chart.until);

  // The legend, in as many rows as the width needs.
  const legendItems = [
    { label: 'Warm target', className: 'chart-target', line: true },
    { label: 'Warm target ahead', className: 'chart-target chart-ahead', line: true },
    ...SERIES.map((s) => ({ label: s.label, className: s.className, line: false })),
  ];
  const legend: SvgNode[] = [];
  let lx = 0;
  let row = 0;
  for (const item of legendItems) {
    const w = 22 + item.label.length * CHAR + 16;
    if (lx > 0 && lx + w > width - 8) {
      lx = 0;
      row++;
    }
    const y = 8 + row * 20;
    legend.push({
      tag: 'g',
      attrs: { class: 'chart-legend-item', transform: `translate(${lx + 4},${y})` },
      children: [
        item.line
          ? { tag: 'line', attrs: { class: item.className, x1: 0, x2: 16, y1: 6, y2: 6 } }
          : { tag: 'rect', attrs: { class: item.className, x: 0, y: 0, width: 16, height: 12 } },
        { tag: 'text', attrs: { x: 22, y: 10.5, class: 'chart-text' }, text: item.label },
      ],
    });
    lx += w;
  }

  const top = 8 + (row + 1) * 20 + 24; // legend, then the y axis' name
  const left = 36;
  const right = 10;
  const bottom = 40;
  const plotHeight = narrow ? 170 : 220;
  const height = top + plotHeight + bottom;
  const plotWidth = width - left - right;
  const x = (t: number) => left + ((t - from) / (until - from)) * plotWidth;

  const stacked = chart.hours.map((h) => h.free + h.held + h.halted);
  const max = Math.max(1, ...stacked, ...chart.target.map((s) => s.warm));
  const step = niceStep(max);
  const yMax = Math.ceil(max / step) * step;
  const y = (n: number) => top + plotHeight - (n / yMax) * plotHeight;
  const px = (n: number) => Math.round(n * 10) / 10;

  const grid: SvgNode[] = [];
  for (let v = 0; v <= yMax; v += step) {
    grid.push(
      { tag: 'line', attrs: { class: 'chart-grid', x1: left, x2: width - right, y1: px(y(v)), y2: px(y(v)) } },
      {
        tag: 'text',
        attrs: { class: 'chart-text chart-tick', x: left - 6, y: px(y(v)) + 4, 'text-anchor': 'end' },
        text: String(v),
      },
    );
  }
  const ticks = timeTicks(from, until, timeZone, narrow ? 12 : 3);
  const xAxis: SvgNode[] = ticks.flatMap((t): SvgNode[] => [
    {
      tag: 'line',
      attrs: { class: 'chart-axis', x1: px(x(t.at)), x2: px(x(t.at)), y1: top + plotHeight, y2: top + plotHeight + 4 },
    },
    {
      tag: 'text',
      attrs: { class: 'chart-text chart-tick', x: px(x(t.at)), y: top + plotHeight + 17, 'text-anchor': 'middle' },
      text: t.label,
    },
  ]);

  // The hours: one stacked bar each, its numbers in a tooltip.
  const bars: SvgNode[] = chart.hours.map((h) => {
    const start = Date.parse(h.start);
    const x0 = px(x(start) + 0.5);
    const w = px(Math.max(1, x(start + HOUR_MS) - x(start) - 1));
    let base = 0;
    const parts: SvgNode[] = [];
    for (const s of SERIES) {
      const value = h[s.key];
      if (value > 0)
        parts.push({
          tag: 'rect',
          attrs: { class: s.className, x: x0, width: w, y: px(y(base + value)), height: px(y(base) - y(base + value)) },
        });
      base += value;
    }
    const title = `${hhmm(start, timeZone)}–${hhmm(start + HOUR_MS, timeZone)}: ${desktops(h.free)} free and running, ${desktops(h.held)} held, ${desktops(h.halted)} halted (averages)`;
    return { tag: 'g', attrs: { class: 'chart-hour' }, children: [{ tag: 'title', text: title }, ...parts] };
  });

  const targetPath = (a: number, b: number) => {
    const points: string[] = [];
    chart.target.forEach((s, i) => {
      const start = Math.max(a, Date.parse(s.at));
      const end = Math.min(b, i + 1 < chart.target.length ? Date.parse(chart.target[i + 1]?.at ?? '') : until);
      if (end <= start) return;
      points.push(`${points.length ? 'L' : 'M'}${px(x(start))},${px(y(s.warm))}`, `L${px(x(end))},${px(y(s.warm))}`);
    });
    return points.join(' ');
  };
  const past = targetPath(from, now);
  const ahead = targetPath(now, until);

  const nowX = px(x(now));
  const children: SvgNode[] = [
    { tag: 'title', attrs: { id: 'capacity-chart-title' }, text: `Warm desktops of ${options.pool}` },
    { tag: 'desc', attrs: { id: 'capacity-chart-desc' }, text: describeChart(chart, timeZone) },
    { tag: 'g', attrs: { class: 'chart-legend' }, children: legend },
    {
      tag: 'text',
      attrs: { class: 'chart-text chart-axis-name', x: 4, y: top - 12 },
      text: 'Desktops',
    },
    { tag: 'g', attrs: { class: 'chart-y' }, children: grid },
    { tag: 'g', attrs: { class: 'chart-bars' }, children: bars },
    ...(past ? [{ tag: 'path', attrs: { class: 'chart-target', d: past } }] : []),
    ...(ahead ? [{ tag: 'path', attrs: { class: 'chart-target chart-ahead', d: ahead } }] : []),
    {
      tag: 'line',
      attrs: { class: 'chart-axis', x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight },
    },
    { tag: 'g', attrs: { class: 'chart-x' }, children: xAxis },
    { tag: 'line', attrs: { class: 'chart-now', x1: nowX, x2: nowX, y1: top - 4, y2: top + plotHeight } },
    // Above the plot, where no line runs.
    {
      tag: 'text',
      attrs: { class: 'chart-text chart-now-label', x: nowX, y: top - 8, 'text-anchor': 'middle' },
      text: 'now',
    },
    ...(chart.hours.length === 0
      ? [
          {
            tag: 'text',
            attrs: {
              class: 'chart-text chart-empty',
              x: px((left + nowX) / 2),
              y: px(top + plotHeight / 2),
              'text-anchor': 'middle',
            },
            text: 'No hours counted yet',
          },
        ]
      : []),
    {
      tag: 'text',
      attrs: { class: 'chart-text chart-axis-name', x: width - right, y: top + plotHeight + 34, 'text-anchor': 'end' },
      text: `Time in ${timeZone}`,
    },
  ];
  return {
    tag: 'svg',
    attrs: {
      class: 'capacity-chart',
      role: 'img',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'aria-labelledby': 'capacity-chart-title capacity-chart-desc',
      'font-size': FONT,
    },
    children,
  };
}

/** The chart in words, for those who cannot see it: the target now and ahead, and the last hour counted. */
export function describeChart(chart: ScheduleChart, timeZone: string): string {
  const now = Date.parse(chart.now);
  const current = [...chart.target].reverse().find((s) => Date.parse(s.at) <= now);
  const changes = chart.target.filter((s) => Date.parse(s.at) > now);
  const sentences = [
    `The warm target is ${current?.warm ?? 0} now` +
      (changes.length
        ? `; in the next 24 hours it goes ${changes.map((s) => `to ${s.warm} at ${hhmm(Date.parse(s.at), timeZone)}`).join(', ')}.`
        : ' and stays so for the next 24 hours.'),
  ];
  const last = chart.hours.at(-1);
  sentences.push(
    last
      ? `Counted by the operator over ${chart.hours.length} of the last 24 hours; in the last, from ${hhmm(Date.parse(last.start), timeZone)}, on average ${desktops(last.free)} free and running, ${desktops(last.held)} held and ${desktops(last.halted)} halted.`
      : 'The operator has not counted an hour of this pool yet.',
  );
  return sentences.join(' ');
}
