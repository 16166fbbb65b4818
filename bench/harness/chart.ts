// Small line charts as SVG text, with no dependencies, for BENCHMARKS.md: one or more series on
// a shared x axis starting at 0, a y axis from 0 with five grid lines, and a legend when there is
// more than one series. Pure.
import { round } from './stats.js';

export interface Series {
  name: string;
  color: string;
  /** [x, y], in x order. */
  points: readonly (readonly [number, number])[];
  /** A dot at every point (few points: steps of a growth), or a plain line (many samples). */
  dots?: boolean;
  /** Drawn as steps (a value holds until the next sample), not as slopes. */
  steps?: boolean;
}

export interface Chart {
  title: string;
  xLabel: string;
  /** Labelled positions on the x axis. */
  xTicks: readonly { x: number; label: string }[];
  /** The x axis's end (default: the largest x). */
  xMax?: number;
  series: readonly Series[];
  width?: number;
  height?: number;
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function lineChart(chart: Chart): string {
  const W = chart.width ?? 480;
  const H = chart.height ?? 260;
  const legend = chart.series.length > 1;
  const m = { left: 56, right: 16, top: legend ? 48 : 32, bottom: 40 };
  const all = chart.series.flatMap((s) => s.points);
  const xMax = chart.xMax ?? Math.max(...all.map(([x]) => x), 1);
  const yMax = Math.max(...all.map(([, y]) => y), 1) * 1.1;
  const px = (x: number) => m.left + (x / xMax) * (W - m.left - m.right);
  const py = (v: number) => H - m.bottom - (v / yMax) * (H - m.top - m.bottom);
  const xy = (x: number, y: number) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const line = (s: Series) => {
    const points = s.points.flatMap(([x, y], i) => {
      const previous = s.points[i - 1];
      return s.steps && previous ? [xy(x, previous[1]), xy(x, y)] : [xy(x, y)];
    });
    return [
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`,
      ...(s.dots
        ? s.points.map(
            ([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`,
          )
        : []),
    ];
  };
  const legendItems = legend
    ? chart.series.map((s, i) => {
        const x = m.left + i * 140;
        return `<line x1="${x}" x2="${x + 18}" y1="34" y2="34" stroke="${s.color}" stroke-width="2"/><text x="${x + 22}" y="38">${esc(s.name)}</text>`;
      })
    : [];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(chart.title)}</text>`,
    ...legendItems,
    ...ticks.map(
      (t) =>
        `<line x1="${m.left}" x2="${W - m.right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#ddd"/><text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${round(t, 1)}</text>`,
    ),
    `<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="#333"/>`,
    ...chart.xTicks.map(
      (t) => `<text x="${px(t.x).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${esc(t.label)}</text>`,
    ),
    `<text x="${W / 2}" y="${H - 6}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    ...chart.series.flatMap(line),
    '</svg>',
    '',
  ].join('\n');
}
