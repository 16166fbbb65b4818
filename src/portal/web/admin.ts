// The Admin Portal's page: what the person may do (asked of the API server once), the view the
// location's hash names, and live updates — a change to pools, claims or desktops the person may
// watch reads the view again. Plain DOM; data from the portal's JSON API.
import './style.css';
import './admin.css';
import * as z from 'zod';
import { AdminAccess, type YamlKind } from '../admin/types.js';
import type { AdminContext, View } from './admin/context.js';
import { eventsView } from './admin/events-view.js';
import { hostsView } from './admin/hosts-view.js';
import { overviewView } from './admin/overview-view.js';
import { poolFormView } from './admin/pool-form.js';
import { poolView } from './admin/pool-view.js';
import { routeOf } from './admin/routes.js';
import { sessionsView } from './admin/sessions-view.js';
import { templateEditView } from './admin/template-edit.js';
import { templateView } from './admin/template-view.js';
import { templatesView } from './admin/templates-view.js';
import { objectYamlView } from './admin/yaml-view.js';
import { ApiFailure, api, describeFailure } from './api.js';
import { byId } from './dom.js';

// The Content-Security-Policy has no 'unsafe-eval': zod must not try to compile validators.
z.config({ jitless: true });

const root = byId('view');
const live = byId('live');
const noticeBox = byId('notice');
/** The section of the navigation an object's YAML belongs to. */
const YAML_SECTION: Record<YamlKind, string> = {
  pool: 'overview',
  desktop: 'overview',
  instance: 'overview',
  template: 'templates',
  claim: 'sessions',
  node: 'hosts',
};
let current: (View & { close?(): void }) | undefined;
/** The view on the page now (current may be one still being drawn). */
let shown: View | undefined;
let drawing: Promise<void> | undefined;
let again = false;

function notice(message: string | undefined): void {
  noticeBox.hidden = !message;
  noticeBox.textContent = message ?? '';
}

/**
 * Draws a view off the page and puts it in only if it is still the one asked for: a slow read of
 * the view the person just left must not replace the one they went to.
 */
async function draw(view: View): Promise<void> {
  try {
    const drawn = document.createElement('div');
    await view.render(drawn);
    if (view !== current) return;
    // Drawn again for a live change: what the person is typing stays, with the caret where it was.
    const typing = view === shown ? typingIn(root) : undefined;
    root.replaceChildren(...drawn.childNodes);
    shown = view;
    if (typing) keepTyping(typing);
    notice(undefined);
  } catch (err) {
    if (err instanceof ApiFailure && err.body.kind === 'unauthenticated') return;
    notice(describeFailure(err, `show ${view.title.toLowerCase()}`));
  }
}

/** The text field the person is in (or has typed into) on the view as it is. */
function typingIn(element: HTMLElement): { id: string; value: string; focused: boolean; caret: number | null }[] {
  return [...element.querySelectorAll<HTMLInputElement>('input[id]:not([type=checkbox]):not([type=radio])')]
    .filter((input) => input.value !== input.defaultValue || input === document.activeElement)
    .map((input) => ({
      id: input.id,
      value: input.value,
      focused: input === document.activeElement,
      caret: input.selectionStart,
    }));
}

function keepTyping(typing: ReturnType<typeof typingIn>): void {
  for (const { id, value, focused, caret } of typing) {
    const input = document.getElementById(id);
    if (!(input instanceof HTMLInputElement)) continue;
    input.value = value;
    if (focused) {
      input.focus();
      if (caret !== null) input.setSelectionRange(caret, caret);
    }
  }
}

/** Reads the view again; while a read runs, one more follows it (never two at once). */
function refresh(): void {
  if (!current || current.close) return;
  if (drawing) {
    again = true;
    return;
  }
  const view = current;
  drawing = draw(view).finally(() => {
    drawing = undefined;
    if (again) {
      again = false;
      refresh();
    }
  });
}

async function start(): Promise<void> {
  const access = await api(AdminAccess, '/api/admin/access');
  if (!access.administers) {
    location.assign('/');
    return;
  }
  const context: AdminContext = {
    access,
    in: (namespace) => access.namespaces.find((n) => n.namespace === namespace),
    say: (message) => {
      live.textContent = message;
    },
    notice,
  };
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.views a[data-view="hosts"]'))
    link.hidden = !access.nodes;

  const show = async () => {
    current?.close?.();
    const route = routeOf(location.hash);
    const view =
      route.view === 'pool'
        ? poolView(context, route.namespace, route.name, refresh)
        : route.view === 'pool-new' || route.view === 'pool-edit'
          ? poolFormView(context, route)
          : route.view === 'yaml'
            ? objectYamlView(context, route.kind, route.namespace, route.name)
            : route.view === 'sessions'
              ? sessionsView(context, route.user, refresh)
              : route.view === 'events'
                ? eventsView(context)
                : route.view === 'hosts' && access.nodes
                  ? hostsView(context, refresh)
                  : route.view === 'templates'
                    ? templatesView(context)
                    : route.view === 'template'
                      ? templateView(context, route.namespace, route.name)
                      : route.view === 'template-edit' || route.view === 'template-new'
                        ? templateEditView(context, route)
                        : overviewView(context);
    current = view;
    for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.views a')) {
      const here =
        link.dataset.view === route.view ||
        (route.view.startsWith('pool') && link.dataset.view === 'overview') ||
        (route.view === 'yaml' && link.dataset.view === YAML_SECTION[route.kind]) ||
        (route.view.startsWith('template') && link.dataset.view === 'templates');
      if (here) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${view.title} · Administration · kubevdi`;
    await draw(view);
    if (view.focus) view.focus();
    else root.querySelector<HTMLElement>('h1')?.focus();
  };
  window.addEventListener('hashchange', () => void show());
  await show();

  const changes = new EventSource('/api/admin/changes');
  changes.onmessage = (message) => {
    if ((JSON.parse(message.data as string) as { type?: string }).type === 'changed') refresh();
  };
}

start().catch((err: unknown) => notice(describeFailure(err, 'open the Administration')));
