// The Admin Portal's addresses inside the page: views are named by the location's hash, so a
// link, the back button and a reload all land on the same view.
import { YamlKind } from '../../admin/types.js';

export type Route =
  | { view: 'overview' }
  | { view: 'pool'; namespace: string; name: string }
  | { view: 'sessions'; user?: string }
  | { view: 'events' }
  | { view: 'hosts' }
  | { view: 'templates' }
  | { view: 'template'; namespace: string; name: string }
  | { view: 'pool-new'; namespace?: string }
  /** `part: 'schedule'`: the form opens at the pool's capacity schedule. */
  | { view: 'pool-edit'; namespace: string; name: string; part?: 'schedule' }
  | { view: 'template-new'; namespace: string }
  | { view: 'template-edit'; namespace: string; name: string }
  /** Any object's YAML; a node has no namespace. */
  | { view: 'yaml'; kind: YamlKind; namespace?: string; name: string };

export const poolHash = (namespace: string, name: string) =>
  `#pool/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

/** The pool form, opened at its schedule: where the pool page's Edit schedule goes. */
export const poolScheduleHash = (namespace: string, name: string) =>
  `#pool-edit/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/schedule`;

export const templateHash = (namespace: string, name: string) =>
  `#template/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

/** An object's YAML view: `#yaml/<kind>/<namespace>/<name>`, a node's `#yaml/node/<name>`. */
export const yamlHash = (kind: YamlKind, namespace: string | undefined, name: string) =>
  `#yaml/${kind}/${namespace === undefined ? '' : `${encodeURIComponent(namespace)}/`}${encodeURIComponent(name)}`;

export function routeOf(hash: string): Route {
  const [view = '', ...rest] = hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  if (view === 'pool' && rest.length === 2)
    return { view: 'pool', namespace: rest[0] as string, name: rest[1] as string };
  if (view === 'pool-edit' && rest.length === 2) return { view, namespace: rest[0] as string, name: rest[1] as string };
  if (view === 'pool-edit' && rest.length === 3 && rest[2] === 'schedule')
    return { view, namespace: rest[0] as string, name: rest[1] as string, part: 'schedule' };
  if (view === 'yaml') {
    const kind = YamlKind.safeParse(rest[0]);
    if (kind.success && kind.data === 'node' && rest.length === 2)
      return { view, kind: kind.data, name: rest[1] as string };
    if (kind.success && kind.data !== 'node' && rest.length === 3)
      return { view, kind: kind.data, namespace: rest[1] as string, name: rest[2] as string };
  }
  if (view === 'template-edit' && rest.length === 2)
    return { view, namespace: rest[0] as string, name: rest[1] as string };
  if (view === 'template-new' && rest.length === 1) return { view, namespace: rest[0] as string };
  if (view === 'pool-new') return rest[0] ? { view, namespace: rest[0] } : { view };
  if (view === 'sessions') return rest[0] ? { view: 'sessions', user: rest[0] } : { view: 'sessions' };
  if (view === 'template' && rest.length === 2)
    return { view: 'template', namespace: rest[0] as string, name: rest[1] as string };
  if (view === 'events' || view === 'hosts' || view === 'templates') return { view };
  return { view: 'overview' };
}
