// A template's YAML editor, new or existing. The page holds no rule of its own: the YAML is sent
// to the portal, which asks the API server (server-side apply, dryRun=All) and answers with its
// schema and CEL messages and the paths they name, shown under the editor as the person types.
// Nothing is written until the person saves and the dry run passes; a template GitOps keeps asks
// once more, saying the change will be reverted.
import './pool-form.css';
import './templates.css';
import type { FieldCause } from '../../admin/pool-edit-types.js';
import { TemplateCheck, TemplateSource } from '../../admin/template-edit-types.js';
import { api, describeFailure } from '../api.js';
import { h } from '../dom.js';
import type { AdminContext, View } from './context.js';
import { gitopsWarning, saveChecked } from './gitops-warning.js';
import { templateHash } from './routes.js';

const CHECK_DELAY_MS = 600;

/** What a new template starts from: the example Linux desktop, named by the person. */
function starter(namespace: string): string {
  return [
    'apiVersion: kubevdi.io/v1alpha1',
    'kind: VMTemplate',
    'metadata:',
    '  name: ""',
    `  namespace: ${namespace}`,
    'spec:',
    '  displayName: Fedora Workstation',
    '  os:',
    '    type: Linux',
    '    version: "42"',
    '  resources:',
    '    cpu:',
    '      cores: 2',
    '    memory: 4Gi',
    '  rootDisk:',
    '    source:',
    '      containerDisk:',
    '        image: quay.io/containerdisks/fedora:42',
    '',
  ].join('\n');
}

export function templateEditView(
  context: AdminContext,
  mode: { namespace: string; name?: string },
): View & { close(): void } {
  const editing = mode.name !== undefined;
  const { namespace } = mode;
  const title = editing ? `Edit template ${mode.name}` : 'New template';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sequence = 0;
  return {
    title,
    // The editor is the person's work in progress: live changes elsewhere must not redraw it.
    close() {
      clearTimeout(timer);
    },
    async render(root) {
      const source = editing
        ? await api(
            TemplateSource,
            `/api/admin/templates/${encodeURIComponent(namespace)}/${encodeURIComponent(mode.name as string)}/source`,
          )
        : undefined;
      const editor = h('textarea', {
        id: 'template-yaml',
        class: 'yaml-editor',
        spellcheck: 'false',
        autocapitalize: 'off',
        autocomplete: 'off',
        rows: '24',
        'aria-describedby': 'template-yaml-hint template-problems',
      });
      editor.value = source?.yaml ?? starter(namespace);
      const problems = h('ul', { id: 'template-problems', class: 'field-error', hidden: true });
      const status = h('p', { class: 'check-status', role: 'status' });
      const submit = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save template' : 'Create template');

      function show(causes: FieldCause[]): void {
        problems.hidden = causes.length === 0;
        problems.replaceChildren(
          ...causes.map((c) =>
            h('li', { class: 'cause' }, c.field ? h('code', {}, c.field) : '', c.field ? ': ' : '', c.message),
          ),
        );
        if (causes.length) editor.setAttribute('aria-invalid', 'true');
        else editor.removeAttribute('aria-invalid');
      }

      async function check(dryRun: boolean, overrideGitOps = false): Promise<TemplateCheck | undefined> {
        const mine = ++sequence;
        const result = await api(TemplateCheck, `/api/admin/templates/${encodeURIComponent(namespace)}`, {
          method: 'POST',
          body: { ...(editing ? { name: mode.name } : {}), dryRun, overrideGitOps, yaml: editor.value },
        });
        if (mine !== sequence) return undefined; // a newer check answers for the editor now
        show(result.causes);
        status.textContent = result.valid
          ? 'The API server accepts this template.'
          : `The API server refuses it: ${result.causes.length === 1 ? 'one problem' : `${result.causes.length} problems`}.`;
        return result;
      }

      const form = h(
        'form',
        { class: 'template-form', novalidate: true },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'template-yaml' }, 'Template YAML'),
          h(
            'p',
            { class: 'hint', id: 'template-yaml-hint' },
            'The spec, labels and annotations are yours to change; the API server checks each change as you type.',
          ),
          editor,
          problems,
        ),
        h(
          'div',
          { class: 'form-actions' },
          submit,
          h(
            'a',
            { class: 'button', href: editing ? templateHash(namespace, mode.name as string) : '#templates' },
            'Cancel',
          ),
          status,
        ),
      );
      editor.addEventListener('input', () => {
        clearTimeout(timer);
        status.textContent = 'Checking…';
        timer = setTimeout(() => {
          check(true).catch((err: unknown) => context.notice(describeFailure(err, 'check the template')));
        }, CHECK_DELAY_MS);
      });
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        clearTimeout(timer);
        submit.disabled = true;
        try {
          const written = await saveChecked('template', check, () => editor.focus());
          if (written) {
            context.say(editing ? 'Template saved.' : 'Template created.');
            location.hash = templateHash(namespace, written.name ?? (mode.name as string));
          }
        } catch (err) {
          context.notice(describeFailure(err, editing ? 'save the template' : 'create the template'));
        } finally {
          submit.disabled = false;
        }
      });

      root.replaceChildren(
        h(
          'p',
          { class: 'crumbs' },
          h('a', { href: '#templates' }, 'Templates'),
          editing ? ' › ' : ` › ${namespace}`,
          editing ? h('a', { href: templateHash(namespace, mode.name as string) }, mode.name as string) : '',
        ),
        h('h1', { tabindex: '-1' }, title),
        source?.gitops.length ? gitopsWarning(source.gitops, 'form', 'template') : '',
        form,
      );
    },
  };
}
