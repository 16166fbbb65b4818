// An object's YAML, read-only and copyable: what to commit to Git, or just to see the whole object.
// The portal renders it (the browser bundle carries no YAML library); here it is only text. Above
// it, who keeps the object: Git (change it there) or the pool or desktop it was made from.
import { ObjectYaml, type YamlKind } from '../../admin/types.js';
import { api } from '../api.js';
import { h } from '../dom.js';
import type { AdminContext, View } from './context.js';
import { gitopsWarning } from './gitops-warning.js';
import { poolHash, templateHash, yamlHash } from './routes.js';

let blocks = 0;

/** A labelled, scrollable, focusable block of YAML with a Copy button. */
export function yamlBlock(heading: string, text: string, say: (message: string) => void): HTMLElement {
  const id = `yaml-${++blocks}`;
  const pre = h('pre', { class: 'yaml', tabindex: '0', 'aria-labelledby': id }, h('code', {}, text));
  const copy = h('button', { type: 'button', class: 'quiet' }, 'Copy YAML');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(pre.textContent ?? '');
      say('YAML copied.');
    } catch {
      // No clipboard (insecure origin, or refused): select it for the person to copy.
      getSelection()?.selectAllChildren(pre);
      say('YAML selected: copy it with your keyboard.');
    }
  });
  return h('section', { class: 'yaml-block' }, h('div', { class: 'yaml-head' }, h('h2', { id }, heading), copy), pre);
}

/** Replaces the text of a block made by yamlBlock. */
export function setYaml(block: HTMLElement, text: string): void {
  const code = block.querySelector('pre code');
  if (code) code.textContent = text;
}

/** What a person calls each kind. */
const NOUNS: Record<YamlKind, string> = {
  pool: 'pool',
  template: 'template',
  claim: 'claim',
  desktop: 'desktop',
  instance: 'running instance',
  node: 'node',
};

/** The way back: the view the object belongs to. */
function crumbs(object: ObjectYaml): HTMLElement {
  const { kind, namespace = '', name, owner } = object;
  const trail: (HTMLElement | string)[] =
    kind === 'pool'
      ? [h('a', { href: '#overview' }, 'Overview'), ' › ', h('a', { href: poolHash(namespace, name) }, name)]
      : kind === 'template'
        ? [h('a', { href: '#templates' }, 'Templates'), ' › ', h('a', { href: templateHash(namespace, name) }, name)]
        : kind === 'claim'
          ? [h('a', { href: '#sessions' }, 'Sessions'), ` › ${name}`]
          : kind === 'node'
            ? [h('a', { href: '#hosts' }, 'Hosts'), ` › ${name}`]
            : owner?.kind === 'VirtualDesktopPool'
              ? [
                  h('a', { href: '#overview' }, 'Overview'),
                  ' › ',
                  h('a', { href: poolHash(namespace, owner.name) }, owner.name),
                  ` › ${name}`,
                ]
              : [h('a', { href: '#overview' }, 'Overview'), ` › ${name}`];
  return h('p', { class: 'crumbs' }, ...trail);
}

/** Who makes the object, when that is not a person: change that instead. */
function madeBy(object: ObjectYaml): HTMLElement | '' {
  const { owner, namespace } = object;
  if (owner?.kind === 'VirtualDesktopPool')
    return h(
      'p',
      { class: 'made-by' },
      'Made by kubevdi for pool ',
      h('a', { href: poolHash(namespace ?? '', owner.name) }, owner.name),
      `: change the pool, not this ${NOUNS[object.kind]} (the operator puts back what is changed here).`,
    );
  if (owner?.kind === 'VirtualMachine')
    return h(
      'p',
      { class: 'made-by' },
      'Made by KubeVirt while desktop ',
      h('a', { href: yamlHash('desktop', namespace, owner.name) }, owner.name),
      ' runs.',
    );
  return '';
}

export function objectYamlView(
  context: AdminContext,
  kind: YamlKind,
  namespace: string | undefined,
  name: string,
): View & { close(): void } {
  const title = `YAML of ${NOUNS[kind]} ${name}`;
  const where = namespace === undefined ? '' : `${encodeURIComponent(namespace)}/`;
  return {
    title,
    // Read once: live updates would redraw the text under the reader's eyes (a desktop's status
    // changes often). Reload or come back for a fresh one.
    close() {},
    async render(root) {
      const object = await api(ObjectYaml, `/api/admin/yaml/${kind}/${where}${encodeURIComponent(name)}`);
      root.replaceChildren(
        crumbs(object),
        h('h1', { tabindex: '-1' }, title),
        object.gitops.length ? gitopsWarning(object.gitops, 'view', NOUNS[kind]) : '',
        madeBy(object),
        object.instance
          ? h(
              'p',
              {},
              h('a', { href: yamlHash('instance', namespace, object.instance) }, 'YAML of its running instance'),
            )
          : '',
        yamlBlock(namespace === undefined ? name : `${namespace}/${name}`, object.yaml, context.say),
      );
    },
  };
}
