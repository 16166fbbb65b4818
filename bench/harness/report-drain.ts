// The node-drain part of BENCHMARKS.md (issue 18, "Must show"): its rows in the latest results'
// table, and a section with the method, both runs side by side with their ratios, and findings.
import type { DrainResult, DrainRun } from '../drain.js';
import { mark } from './report-format.js';
import { ratio } from './stats.js';

export const DRAIN_METHOD = `- **Draining a node** (issue 18): a node holding D desktops, H of them held by people, emptied
  twice in one sitting — by kubevdi's maintenance (cordon with a deadline) and by hand (\`kubectl
  drain\`) — each with a namespace, simulator and three nodes of its own. See
  [Draining a node](#draining-a-node).
`;

/**
 * What the benchmark found (by hand: the rest is generated), with the run it comes from. Update it
 * from the next run.
 */
export const DRAIN_FINDINGS = `#### Findings

No full-size run yet: see the figures above for the sizes they come from.
`;

/** Rows of the latest results' table. */
export function drainRows(r: DrainResult): string[] {
  const kubevdi = r.runs.find((x) => x.way === 'kubevdi');
  const hand = r.runs.find((x) => x.way === 'by-hand');
  if (!kubevdi) return [];
  const base = hand
    ? `\`kubectl drain\`: empty in ${hand.secondsToEmpty} s, **${hand.sessionsLost} sessions lost** without warning`
    : '';
  return [
    `| draining a node: ${r.sizes.desktops} desktops (${r.sizes.held} held, ${r.sizes.migratablePercent} % migratable), until none runs there | ${kubevdi.secondsToEmpty} s (${kubevdi.noticeMinutes} min of notice left out); ${kubevdi.sawCountdown} people saw a countdown, ${kubevdi.migratedLive} migrated live, **${kubevdi.sessionsLost} sessions lost** | ${base} | ${hand ? `${ratio(kubevdi.secondsToEmpty, hand.secondsToEmpty)}× the time` : ''} | no session lost without warning ${mark(kubevdi.sessionsLost === 0)} |`,
  ];
}

const ROWS: [string, (run: DrainRun) => string][] = [
  ['seconds until no desktop runs on the node', (x) => `${x.secondsToEmpty}`],
  [
    'of which: until only desktops waiting for their deadline were left, every holder told',
    (x) => (x.secondsUntilOnlyCountdowns !== undefined ? `${x.secondsUntilOnlyCountdowns}` : '—'),
  ],
  [
    'notice given (operator clock, minutes; skipped in real time)',
    (x) => (x.noticeMinutes !== undefined ? `${x.noticeMinutes}` : '—'),
  ],
  [
    'seconds until every desktop is ready again and every claim Bound to a ready one',
    (x) => `${x.secondsUntilAllReady}`,
  ],
  ['free desktops on the node / held', (x) => `${x.free} / ${x.held}`],
  ['held desktops migrated live (same VMI, same session)', (x) => `${x.migratedLive}`],
  ['people who saw a countdown', (x) => `${x.sawCountdown}`],
  ['held desktops restarted at the time their holder was told', (x) => `${x.restartedAfterCountdown}`],
  ['**sessions lost**: ended without a countdown, or before the time it said', (x) => `**${x.sessionsLost}**`],
  ['claims still bound to the same desktop', (x) => `${x.claimsKept}`],
  ['live migrations succeeded / failed', (x) => `${x.migrations.succeeded} / ${x.migrations.failed}`],
];

/** The section: method, both runs side by side, the ratio where one means something. */
export function drainSection(r: DrainResult): string {
  const runs = r.runs;
  const kubevdi = runs.find((x) => x.way === 'kubevdi');
  const hand = runs.find((x) => x.way === 'by-hand');
  const out: string[] = ['### Draining a node\n'];
  out.push(`A node holding ${r.sizes.desktops} running desktops, ${r.sizes.held} of them held by people, ${r.sizes.nodes} nodes in all
(the other ${r.sizes.nodes - 1} empty when the drain begins), simulator boot delay ${r.sizes.bootDelayMs} ms. The mix: ${r.mix.readWriteOnce}
desktops clone a golden image onto a disk of their own with CDI's default access mode (ReadWriteOnce on most storage:
KubeVirt cannot migrate them), ${r.mix.migratable} onto ReadWriteMany storage (\`rootDisk.accessMode\`: migratable); of the held ones
${r.mix.heldReadWriteOnce} and ${r.mix.heldMigratable}. All Stateless pools, \`evictionStrategy: LiveMigrateIfPossible\` as kubevdi renders it.

- **kubevdi**: the node is cordoned with \`kubevdi.io/maintenance-deadline\` an hour ahead. Free desktops are made
  afresh elsewhere within each pool's rollout budget (25 %), held migratable ones migrate live, the holders of the
  others see a countdown. The operator runs on its test clock (\`--test-clock-file\`) at the real time; once only
  desktops waiting for their deadline are left and every holder has been told, the benchmark moves that clock to
  the deadline, so the hour of notice is given but not waited for: the seconds are real seconds without it.
- **By hand**: \`kubectl drain\` as it is run today: cordon, then every virt-launcher pod evicted (the simulator's
  \`simulator.kubevdi.io/drain\` taint): KubeVirt migrates what it can and shuts down the rest, whose VMs start again
  elsewhere. kubevdi runs as deployed and sees the cordon too; the evictions come first, as they do when a person
  drains a node without waiting for kubevdi.
- **Seen from outside**: watches of the VMIs, claims and migrations. A held desktop's session is lost when its VMI
  ends or is replaced (another uid) before a countdown was shown or before the time it said; it migrated live when
  the same VMI runs on another node.
`);
  out.push(
    `| | ${runs.map((x) => (x.way === 'kubevdi' ? 'kubevdi maintenance' : 'by hand (`kubectl drain`)')).join(' | ')} |`,
  );
  out.push(`| --- | ${runs.map(() => '---').join(' | ')} |`);
  for (const [label, cell] of ROWS) out.push(`| ${label} | ${runs.map(cell).join(' | ')} |`);
  if (kubevdi && hand) {
    out.push(
      `\nRatios, kubevdi to by hand: time to empty ${ratio(kubevdi.secondsToEmpty, hand.secondsToEmpty)}× (without the notice), until all ready again ${ratio(kubevdi.secondsUntilAllReady, hand.secondsUntilAllReady)}×; sessions lost ${kubevdi.sessionsLost} against ${hand.sessionsLost}.\n`,
    );
  }
  out.push(DRAIN_FINDINGS);
  return out.join('\n');
}
