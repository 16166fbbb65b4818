// "Git keeps this pool": who (Argo CD, Flux, another applier) and what that means for a change
// made here — it is reverted at the next sync — in words, before anything is written; and the
// save both editors share, which asks that question between the dry run and the write.
import type { GitOpsManager } from '../../admin/pool-edit-types.js';
import { confirmAction } from '../dialog.js';
import { h } from '../dom.js';

export function keeperWords(managers: readonly GitOpsManager[]): string {
  return managers
    .map((m) =>
      m.tool === 'field manager'
        ? `${m.name ?? 'another field manager'} (which applies these fields)`
        : `${m.tool}${m.name ? ` (${m.name})` : ''}`,
    )
    .join(' and ');
}

/** The sentences a confirmation or a banner says about a pool (or, named by `what`, another object) GitOps keeps. */
export function gitopsWords(managers: readonly GitOpsManager[], what = 'pool'): string[] {
  return [
    `This ${what} is kept by ${keeperWords(managers)}: a change made here is reverted at its next sync.`,
    `Commit the change to Git instead; the YAML of the ${what} as it would be is shown on this page.`,
  ];
}

/** `what` names the object in the view's words: "pool", "template", "claim". */
export function gitopsWarning(managers: readonly GitOpsManager[], where: 'form' | 'view', what = 'pool'): HTMLElement {
  const words =
    where === 'form'
      ? gitopsWords(managers, what)
      : [`This ${what} is kept by ${keeperWords(managers)}: change it in Git, not here.`];
  return h(
    'div',
    { class: 'gitops-warning', role: 'note', 'aria-label': 'Managed by GitOps' },
    h('p', { class: 'gitops-title' }, 'Managed by GitOps'),
    ...words.map((w) => h('p', {}, w)),
  );
}

/**
 * Saves an edit the way both editors (pool form, template YAML) do: checked first by a dry run
 * (a refusal stops there and `refused` puts the person where it is), then, for an object GitOps
 * keeps, asked once more; then written. Returns the written answer, or undefined if nothing was.
 */
export async function saveChecked<Check extends { valid: boolean; written: boolean; gitops: GitOpsManager[] }>(
  what: 'pool' | 'template',
  check: (dryRun: boolean, overrideGitOps?: boolean) => Promise<Check | undefined>,
  refused: () => void,
): Promise<Check | undefined> {
  const checked = await check(true);
  if (!checked) return undefined;
  if (!checked.valid) {
    refused();
    return undefined;
  }
  const override =
    checked.gitops.length > 0 &&
    (await confirmAction({
      title: `Change a ${what} that GitOps keeps?`,
      words: gitopsWords(checked.gitops, what),
      confirm: 'Save anyway',
      danger: true,
    }));
  if (checked.gitops.length > 0 && !override) return undefined;
  const written = await check(false, override);
  return written?.written ? written : undefined;
}
