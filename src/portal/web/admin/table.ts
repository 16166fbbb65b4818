// A data table with a caption and column headers, built from rows of cells: what every Admin
// Portal view lists. Cells are text or elements (links, buttons); nothing is parsed as HTML.
import { h } from '../dom.js';

export interface Column<Row> {
  header: string;
  cell: (row: Row) => Node | string;
  /** Numbers line up on the right. */
  numeric?: boolean;
  /** Short values (times, node names) stay on one line. */
  nowrap?: boolean;
}

export interface TableOptions {
  /**
   * On a phone, each row becomes a card of "header: value" lines instead of a table wider than
   * the screen (admin.css): for tables with many or long columns, buttons last.
   */
  stack?: boolean;
}

export function table<Row>(
  caption: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  empty: string,
  options: TableOptions = {},
): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    {
      class: options.stack ? 'table-scroll stack' : 'table-scroll',
      tabindex: '0',
      role: 'region',
      'aria-label': caption,
    },
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden' }, caption),
      h(
        'thead',
        {},
        h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.header))),
      ),
      h(
        'tbody',
        {},
        ...rows.map((row) =>
          h(
            'tr',
            {},
            ...columns.map((c) =>
              h(
                'td',
                {
                  class: [c.numeric && 'num', c.nowrap && 'nowrap'].filter(Boolean).join(' ') || undefined,
                  // The header again, shown beside the value when rows stack as cards.
                  'data-label': options.stack ? c.header : undefined,
                },
                c.cell(row),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
