// A pool's profile disks in the Admin Portal (issue 18): whose each is, its size, whether a desktop
// carries it now, when it was last given back; and Delete for administrators who may (asks first;
// the portal records it as an Event naming them). Shown only where the pool has any.
import { type AdminProfileDisk, ProfileDiskList } from '../../admin/types.js';
import { api } from '../api.js';
import { confirmAction } from '../dialog.js';
import { h } from '../dom.js';
import { when } from '../words.js';
import { type AdminContext, runAction } from './context.js';
import { table } from './table.js';

export async function profileDisksSection(
  context: AdminContext,
  namespace: string,
  pool: string,
  refresh: () => void,
): Promise<HTMLElement | undefined> {
  const rights = context.in(namespace);
  if (!rights?.profileDisks.list) return undefined;
  const data = await api(
    ProfileDiskList,
    `/api/admin/pools/${encodeURIComponent(namespace)}/${encodeURIComponent(pool)}/profile-disks`,
  );
  if (!data.visible || data.disks.length === 0) return undefined;
  const now = new Date();

  function actions(d: AdminProfileDisk): Node | string {
    if (!rights?.profileDisks.delete) return '';
    if (d.desktop) return `In use on ${d.desktop}`;
    const button = h(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Delete profile disk ${d.name}` },
      'Delete',
    );
    button.addEventListener('click', async () => {
      const ok = await confirmAction({
        title: `Delete ${d.person ?? 'this person'}'s profile disk?`,
        words: [
          `Everything ${d.person ?? 'the person'} kept on ${d.name} (documents, settings) is deleted for good.`,
          'Their next desktop of this pool gets a new, empty profile disk.',
          'This is recorded as an Event naming you.',
        ],
        confirm: 'Delete profile disk',
        danger: true,
      });
      if (ok)
        await runAction(context, button, {
          doing: `delete profile disk ${d.name}`,
          run: () =>
            api(
              undefined,
              `/api/admin/profile-disks/${encodeURIComponent(d.namespace)}/${encodeURIComponent(d.name)}`,
              { method: 'DELETE' },
            ),
          done: `Profile disk ${d.name} deleted.`,
          refresh,
        });
    });
    return button;
  }

  return h(
    'section',
    { class: 'profile-disks' },
    h('h2', {}, 'Profile disks'),
    table(
      `Profile disks of ${pool}`,
      [
        { header: 'Person', cell: (d) => d.person ?? '—' },
        { header: 'Disk', cell: (d) => d.name, nowrap: true },
        { header: 'Size', cell: (d) => d.size ?? '—', nowrap: true },
        { header: 'Attached to', cell: (d) => d.desktop ?? '—', nowrap: true },
        { header: 'Last given back', cell: (d) => (d.lastReleased ? when(d.lastReleased, now) : '—'), nowrap: true },
        { header: 'Actions', cell: actions },
      ],
      data.disks,
      'This pool has no profile disks.',
      { stack: true },
    ),
  );
}
