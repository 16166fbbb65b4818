// An object's YAML, read-only and copyable: what to commit to Git, or just to see the whole pool.
// The portal renders it (the browser bundle carries no YAML library); here it is only text.
import { PoolSource } from '../../pool-edit-types.js';
import { api } from '../api.js';
import { h } from '../dom.js';
import type { AdminContext, View } from './context.js';
import { gitopsWarning } from './gitops-warning.js';
import { poolHash } from './routes.js';

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

export function poolYamlView(context: AdminContext, namespace: string, name: string): View & { close(): void } {
  return {
    title: `YAML of pool ${name}`,
    close() {},
    async render(root) {
      const source = await api(
        PoolSource,
        `/api/admin/pools/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/source`,
      );
      root.replaceChildren(
        h(
          'p',
          { class: 'crumbs' },
          h('a', { href: '#overview' }, 'Overview'),
          ' › ',
          h('a', { href: poolHash(namespace, name) }, name),
        ),
        h('h1', { tabindex: '-1' }, `YAML of pool ${name}`),
        source.gitops.length ? gitopsWarning(source.gitops, 'view') : '',
        yamlBlock(`${namespace}/${name}`, source.yaml, context.say),
      );
    },
  };
}
