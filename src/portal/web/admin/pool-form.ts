// A pool's form, new or existing. The page holds no rule of its own: every change is sent to the
// portal, which asks the API server (server-side apply, dryRun=All) and answers with its schema
// and CEL messages, each shown beside the field it names. Nothing is written until the person
// submits and the dry run passes; a pool GitOps keeps asks once more, saying it will be reverted.
import './pool-form.css';
import {
  type FieldCause,
  type GitOpsManager,
  PoolCheck,
  type PoolField,
  type PoolForm,
  PoolSource,
} from '../../admin/pool-edit-types.js';
import { api, describeFailure } from '../api.js';
import { h } from '../dom.js';
import type { AdminContext, View } from './context.js';
import { gitopsWarning, saveChecked } from './gitops-warning.js';
import { poolHash } from './routes.js';
import { windowsEditor } from './windows-editor.js';
import { setYaml, yamlBlock } from './yaml-view.js';

const CHECK_DELAY_MS = 400;

const EMPTY: PoolForm = {
  displayName: '',
  template: '',
  revision: null,
  size: 1,
  prestarted: 0,
  maxDesktopsPerUser: 1,
  assignment: 'Automatic',
  persistence: 'Stateless',
  users: [],
  groups: [],
  logoffAction: 'Release',
  logoffGraceMinutes: 5,
  idleAction: 'Release',
  idleTimeoutMinutes: 120,
  scheduled: false,
  timeZone: '',
  windows: [],
  offPeakWarm: 0,
  powerOffDelayMinutes: 30,
  warmTimeToLiveMinutes: null,
  rampDownIdleMinutes: null,
  rampDownAction: 'PowerOff',
  rampDownEvenIfLoggedOn: false,
};

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Field {
  key: PoolField;
  label: string;
  hint?: string;
  /** What the field's refusal marks invalid and focuses: an input, or a group (the windows). */
  control: Control | HTMLElement;
  error: HTMLElement;
  wrap: HTMLElement;
}

function field(key: PoolField, label: string, control: Control, hint?: string): Field {
  const id = `pool-${key}`;
  control.id = id;
  control.name = key;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : false;
  control.setAttribute('aria-describedby', [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), hintEl, control, error);
  return { key, label, hint, control, error, wrap };
}

/** A field of several controls (the schedule's windows): a fieldset whose legend names it. */
function group(key: PoolField, label: string, control: HTMLElement, hint: string): Field {
  const id = `pool-${key}`;
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  control.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
  const wrap = h(
    'fieldset',
    { class: 'field' },
    h('legend', {}, label),
    h('p', { class: 'hint', id: `${id}-hint` }, hint),
    control,
    error,
  );
  return { key, label, hint, control, error, wrap };
}

const text = (value: string, attrs: Record<string, string> = {}) =>
  h('input', { type: 'text', value, autocomplete: 'off', spellcheck: 'false', ...attrs });
const number = (value: number | null) =>
  h('input', { type: 'number', inputmode: 'numeric', value: value === null ? '' : String(value) });
const choice = (value: string, options: string[]) => {
  const select = h('select', {}, ...options.map((o) => h('option', { value: o }, o)));
  select.value = value;
  return select;
};
const lines = (values: string[]) => {
  const area = h('textarea', { rows: '3', spellcheck: 'false' });
  area.value = values.join('\n');
  return area;
};

export function poolFormView(
  context: AdminContext,
  mode: { namespace?: string; name?: string; part?: 'schedule' },
): View & { close(): void } {
  const editing = mode.name !== undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;
  let scheduleFieldset: HTMLElement | undefined;
  return {
    title: editing ? `Edit pool ${mode.name}` : 'New pool',
    focus() {
      // Opened from the pool's Edit schedule: at the schedule, its first control focused.
      const heading = document.querySelector<HTMLElement>('#view h1');
      if (mode.part !== 'schedule' || !scheduleFieldset) return heading?.focus();
      scheduleFieldset.scrollIntoView({ block: 'start' });
      scheduleFieldset.querySelector<HTMLElement>('input')?.focus({ preventScroll: true });
    },
    close() {
      clearTimeout(timer);
      sequence++;
    },
    async render(root) {
      const creatable = context.access.namespaces.filter((n) => n.pools.create).map((n) => n.namespace);
      let source: { form: PoolForm; gitops: GitOpsManager[]; yaml: string } | undefined;
      if (editing)
        source = await api(
          PoolSource,
          `/api/admin/pools/${encodeURIComponent(mode.namespace as string)}/${encodeURIComponent(mode.name as string)}/source`,
        );
      const values = source?.form ?? EMPTY;
      const windows = windowsEditor(values.windows);
      const scheduled = h('input', { type: 'checkbox' });
      scheduled.checked = values.scheduled;
      const evenIfLoggedOn = h('input', { type: 'checkbox' });
      evenIfLoggedOn.checked = values.rampDownEvenIfLoggedOn;
      const namespaceControl = editing
        ? undefined
        : choice(
            mode.namespace && creatable.includes(mode.namespace) ? mode.namespace : (creatable[0] ?? ''),
            creatable,
          );
      const fields: Field[] = [
        field(
          'name',
          'Name',
          text(mode.name ?? '', editing ? { readonly: 'true' } : {}),
          'Lower case letters, digits and -. Its desktops are named after it.',
        ),
        field('displayName', 'Display name', text(values.displayName), 'What users see; the name when empty.'),
        field('template', 'Template', text(values.template), 'A VMTemplate in the same namespace.'),
        field(
          'revision',
          'Template revision',
          number(values.revision),
          'Pin to this revision; empty follows the newest.',
        ),
        field('size', 'Size', number(values.size), 'Desktops the pool has at most.'),
        field('prestarted', 'Prestarted', number(values.prestarted), 'Free desktops kept running and ready.'),
        field('maxDesktopsPerUser', 'Desktops per user', number(values.maxDesktopsPerUser)),
        field(
          'assignment',
          'Assignment',
          choice(values.assignment, ['Automatic', 'Manual']),
          'Automatic: back to the pool on release. Manual: the first user keeps it.',
        ),
        field(
          'persistence',
          'Persistence',
          choice(values.persistence, ['Stateless', 'Persistent']),
          'Stateless: a new disk when released.',
        ),
        field('users', 'Users', lines(values.users), 'One user name per line, as the API server knows them.'),
        field('groups', 'Groups', lines(values.groups), 'One group per line.'),
        field('logoffAction', 'On logoff', choice(values.logoffAction, ['Release', 'None'])),
        field('logoffGraceMinutes', 'Minutes after logoff', number(values.logoffGraceMinutes)),
        field('idleAction', 'When idle', choice(values.idleAction, ['Release', 'PowerOff', 'None'])),
        field('idleTimeoutMinutes', 'Idle minutes', number(values.idleTimeoutMinutes), '0 never acts.'),
        field(
          'scheduled',
          'Follow a schedule',
          scheduled,
          'Warm desktops by the clock instead of one prestarted count (set Prestarted to 0).',
        ),
        field('timeZone', 'Time zone', text(values.timeZone), 'IANA name, e.g. Europe/Berlin or UTC.'),
        group(
          'windows',
          'Windows of the week',
          windows.element,
          'Times are HH:MM in the time zone; 24:00 ends the day. Warm is a number, or a percentage of the most desktops held at once in the last week.',
        ),
        field('offPeakWarm', 'Off-peak warm', number(values.offPeakWarm), 'Kept warm outside every window.'),
        field(
          'powerOffDelayMinutes',
          'Power-off delay',
          number(values.powerOffDelayMinutes),
          'Minutes surplus desktops keep running after the count goes down.',
        ),
        field(
          'warmTimeToLiveMinutes',
          'Warm time to live',
          number(values.warmTimeToLiveMinutes),
          'Minutes before an unclaimed warm desktop is replaced by a fresh one; empty never.',
        ),
        field(
          'rampDownIdleMinutes',
          'Held desktops after hours',
          number(values.rampDownIdleMinutes),
          'Minutes after the windows close (or its last use) before a held desktop nobody uses is acted on; its holder sees a countdown. Empty: left running.',
        ),
        field('rampDownAction', 'Then', choice(values.rampDownAction, ['PowerOff', 'Release'])),
        field(
          'rampDownEvenIfLoggedOn',
          'Even with someone logged on',
          evenIfLoggedOn,
          'Also when someone is logged on but has not used it through the portal: unsaved work is lost.',
        ),
      ];
      const byKey = new Map(fields.map((f) => [f.key, f]));
      const get = (key: PoolField) => ((byKey.get(key) as Field).control as Control).value;
      const count = (key: PoolField) => {
        const v = get(key).trim();
        return v === '' ? null : Number(v);
      };
      const list = (key: PoolField) =>
        get(key)
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean);
      const formValues = (): PoolForm => ({
        displayName: get('displayName'),
        template: get('template'),
        revision: count('revision'),
        size: count('size'),
        prestarted: count('prestarted'),
        maxDesktopsPerUser: count('maxDesktopsPerUser'),
        assignment: get('assignment'),
        persistence: get('persistence'),
        users: list('users'),
        groups: list('groups'),
        logoffAction: get('logoffAction'),
        logoffGraceMinutes: count('logoffGraceMinutes'),
        idleAction: get('idleAction'),
        idleTimeoutMinutes: count('idleTimeoutMinutes'),
        scheduled: scheduled.checked,
        timeZone: get('timeZone'),
        windows: windows.values(),
        offPeakWarm: count('offPeakWarm'),
        powerOffDelayMinutes: count('powerOffDelayMinutes'),
        warmTimeToLiveMinutes: count('warmTimeToLiveMinutes'),
        rampDownIdleMinutes: count('rampDownIdleMinutes'),
        rampDownAction: get('rampDownAction'),
        rampDownEvenIfLoggedOn: evenIfLoggedOn.checked,
      });
      // The schedule's own fields show only when the pool follows one.
      const scheduleFields = fields.slice(16);
      const showSchedule = () => {
        for (const f of scheduleFields) f.wrap.hidden = !scheduled.checked;
        const zone = byKey.get('timeZone')?.control as HTMLInputElement;
        if (scheduled.checked && !zone.value) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
      };
      showSchedule();
      scheduled.addEventListener('change', showSchedule);
      const namespace = () => (editing ? (mode.namespace as string) : (namespaceControl?.value ?? ''));
      const summary = h('div', { class: 'form-problems', id: 'pool-problems', hidden: true });
      const status = h('p', { class: 'check-status', 'aria-live': 'polite' });
      const yaml = yamlBlock(
        source?.gitops.length ? 'YAML to commit instead' : 'YAML of the pool as it would be',
        source?.yaml ?? '',
        context.say,
      );
      yaml.hidden = !source;
      const submit = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create pool');

      function show(causes: FieldCause[]): void {
        for (const f of fields) {
          const mine = causes.filter((c) => c.field === f.key).map((c) => c.message);
          f.error.hidden = mine.length === 0;
          // One line per rule: two refusals of one field read as two sentences, not one run-on.
          f.error.replaceChildren(...mine.map((m) => h('span', { class: 'cause' }, m)));
          if (mine.length) f.control.setAttribute('aria-invalid', 'true');
          else f.control.removeAttribute('aria-invalid');
        }
        const general = causes.filter((c) => !c.field || !byKey.has(c.field as PoolField));
        summary.hidden = general.length === 0;
        summary.replaceChildren(...general.map((c) => h('p', {}, c.message)));
      }

      async function check(dryRun: boolean, overrideGitOps = false): Promise<PoolCheck | undefined> {
        const mine = ++sequence;
        const result = await api(PoolCheck, `/api/admin/pools/${encodeURIComponent(namespace())}`, {
          method: 'POST',
          body: { name: get('name').trim(), create: !editing, dryRun, overrideGitOps, form: formValues() },
        });
        if (mine !== sequence) return undefined; // a newer check answers for the form now
        show(result.causes);
        if (result.yaml) {
          setYaml(yaml, result.yaml);
          yaml.hidden = false;
        }
        status.textContent = result.valid
          ? 'The API server accepts these values.'
          : `The API server refuses ${result.causes.length === 1 ? 'one value' : `${result.causes.length} values`}.`;
        return result;
      }

      const later = () => {
        clearTimeout(timer);
        status.textContent = 'Checking…';
        timer = setTimeout(() => {
          check(true).catch((err: unknown) => context.notice(describeFailure(err, 'check the pool')));
        }, CHECK_DELAY_MS);
      };

      scheduleFieldset = h(
        'fieldset',
        { class: 'schedule-fields', id: 'pool-schedule' },
        h('legend', {}, 'Warm desktops on a schedule'),
        ...fields.slice(15).map((f) => f.wrap),
      );
      const form = h(
        'form',
        { class: 'pool-form', novalidate: true, 'aria-describedby': 'pool-problems' },
        namespaceControl
          ? h('div', { class: 'field' }, h('label', { for: 'pool-namespace' }, 'Namespace'), namespaceControl)
          : false,
        ...fields.slice(0, 4).map((f) => f.wrap),
        h('fieldset', {}, h('legend', {}, 'Desktops'), ...fields.slice(4, 9).map((f) => f.wrap)),
        h('fieldset', {}, h('legend', {}, 'Who may use it'), ...fields.slice(9, 11).map((f) => f.wrap)),
        h('fieldset', {}, h('legend', {}, 'Sessions'), ...fields.slice(11, 15).map((f) => f.wrap)),
        scheduleFieldset,
        summary,
        h(
          'div',
          { class: 'form-actions' },
          submit,
          h(
            'a',
            { class: 'button', href: editing ? poolHash(namespace(), mode.name as string) : '#overview' },
            'Cancel',
          ),
          status,
        ),
      );
      if (namespaceControl) namespaceControl.id = 'pool-namespace';
      form.addEventListener('input', later);
      form.addEventListener('change', later);
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        clearTimeout(timer);
        submit.disabled = true;
        try {
          const written = await saveChecked('pool', check, () => fields.find((f) => !f.error.hidden)?.control.focus());
          if (written) {
            context.say(editing ? 'Pool saved.' : 'Pool created.');
            location.hash = poolHash(namespace(), get('name').trim());
          }
        } catch (err) {
          context.notice(describeFailure(err, editing ? 'save the pool' : 'create the pool'));
        } finally {
          submit.disabled = false;
        }
      });

      root.replaceChildren(
        h(
          'p',
          { class: 'crumbs' },
          h('a', { href: '#overview' }, 'Overview'),
          editing ? ' › ' : false,
          editing ? h('a', { href: poolHash(namespace(), mode.name as string) }, mode.name as string) : false,
        ),
        h('h1', { tabindex: '-1' }, editing ? `Edit pool ${mode.name}` : 'New pool'),
        source?.gitops.length ? gitopsWarning(source.gitops, 'form') : '',
        !editing && creatable.length === 0
          ? h('p', { class: 'empty' }, 'You may not create pools in any namespace.')
          : h('div', { class: 'pool-edit' }, form, yaml),
      );
    },
  };
}
