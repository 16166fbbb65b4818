// The windows of a pool's capacity schedule in the pool form: one row per window (name, days, from,
// to, warm and, for a percentage, its bounds), added and removed in place. Like the rest of the
// form it judges nothing: every change goes to the API server's dry run, whose refusal (an
// overlap, a window that ends before it starts) is shown under the windows in its own words.
import type { WindowForm } from '../../admin/pool-edit-types.js';
import { h } from '../dom.js';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface WindowsEditor {
  /** The rows, in a group the form's error and aria-invalid go on. */
  element: HTMLElement;
  values(): WindowForm[];
}

const NEW_WINDOW: WindowForm = {
  name: '',
  days: DAYS.slice(0, 5),
  from: '08:00',
  to: '18:00',
  warm: '',
  minWarm: null,
  maxWarm: null,
};

export function windowsEditor(initial: readonly WindowForm[]): WindowsEditor {
  const rows = h('ol', { class: 'windows' });
  const readers: (() => WindowForm)[] = [];
  let made = 0;
  const element = h('div', { class: 'windows-editor', role: 'group', tabindex: '-1' });
  // The form checks on input and change: a row added or removed is a change too.
  const changed = () => element.dispatchEvent(new Event('change', { bubbles: true }));

  function addRow(window: WindowForm): void {
    const n = made++;
    const id = (what: string) => `window-${n}-${what}`;
    const input = (what: string, label: string, value: string, attrs: Record<string, string> = {}) => {
      const control = h('input', {
        type: 'text',
        id: id(what),
        value,
        autocomplete: 'off',
        spellcheck: 'false',
        ...attrs,
      });
      return { control, wrap: h('div', { class: `window-${what}` }, h('label', { for: id(what) }, label), control) };
    };
    const name = input('name', 'Name', window.name, { placeholder: 'office-hours' });
    const from = input('from', 'From', window.from, { placeholder: '08:00', inputmode: 'numeric', size: '5' });
    const to = input('to', 'To', window.to, { placeholder: '18:00', inputmode: 'numeric', size: '5' });
    const warm = input('warm', 'Warm', window.warm, { placeholder: '10 or 20%', size: '6' });
    const count = (v: number | null) => (v === null ? '' : String(v));
    const minWarm = input('min', 'At least', count(window.minWarm), { type: 'number', inputmode: 'numeric' });
    const maxWarm = input('max', 'At most', count(window.maxWarm), { type: 'number', inputmode: 'numeric' });
    const days = DAYS.map((day) => {
      const box = h('input', { type: 'checkbox', id: id(day), value: day });
      box.checked = window.days.includes(day);
      return { day, box, wrap: h('label', { for: id(day), class: 'day', title: day }, box, day.slice(0, 3)) };
    });
    const remove = h('button', { type: 'button' }, 'Remove');
    const row = h(
      'li',
      { class: 'window' },
      h(
        'fieldset',
        {},
        h('legend', {}, `Window ${n + 1}`),
        name.wrap,
        h('fieldset', { class: 'days' }, h('legend', {}, 'Days'), ...days.map((d) => d.wrap)),
        h('div', { class: 'window-times' }, from.wrap, to.wrap, warm.wrap, minWarm.wrap, maxWarm.wrap),
        remove,
      ),
    );
    remove.setAttribute('aria-label', `Remove window ${n + 1}`);
    const number = (control: HTMLInputElement) => (control.value.trim() === '' ? null : Number(control.value));
    const read = (): WindowForm => ({
      name: name.control.value,
      days: days.filter((d) => d.box.checked).map((d) => d.day),
      from: from.control.value,
      to: to.control.value,
      warm: warm.control.value,
      minWarm: number(minWarm.control),
      maxWarm: number(maxWarm.control),
    });
    readers.push(read);
    remove.addEventListener('click', () => {
      readers.splice(readers.indexOf(read), 1);
      row.remove();
      changed();
    });
    rows.append(row);
  }

  for (const window of initial) addRow(window);
  const add = h('button', { type: 'button' }, 'Add a window');
  add.addEventListener('click', () => {
    addRow(NEW_WINDOW);
    changed();
    document.getElementById(`window-${made - 1}-name`)?.focus();
  });
  element.append(rows, add);
  return { element, values: () => readers.map((read) => read()) };
}
