// The Admin Portal's addresses inside the page: views are named by the location's hash, so a
// link, the back button and a reload all land on the same view.
export type Route =
  | { view: 'overview' }
  | { view: 'pool'; namespace: string; name: string }
  | { view: 'sessions'; user?: string }
  | { view: 'events' }
  | { view: 'hosts' }
  | { view: 'templates' }
  | { view: 'template'; namespace: string; name: string }
  | { view: 'pool-new'; namespace?: string }
  | { view: 'pool-edit' | 'pool-yaml'; namespace: string; name: string };

export const poolHash = (namespace: string, name: string) =>
  `#pool/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const templateHash = (namespace: string, name: string) =>
  `#template/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export function routeOf(hash: string): Route {
  const [view = '', ...rest] = hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  if (view === 'pool' && rest.length === 2)
    return { view: 'pool', namespace: rest[0] as string, name: rest[1] as string };
  if ((view === 'pool-edit' || view === 'pool-yaml') && rest.length === 2)
    return { view, namespace: rest[0] as string, name: rest[1] as string };
  if (view === 'pool-new') return rest[0] ? { view, namespace: rest[0] } : { view };
  if (view === 'sessions') return rest[0] ? { view: 'sessions', user: rest[0] } : { view: 'sessions' };
  if (view === 'template' && rest.length === 2)
    return { view: 'template', namespace: rest[0] as string, name: rest[1] as string };
  if (view === 'events' || view === 'hosts' || view === 'templates') return { view };
  return { view: 'overview' };
}
