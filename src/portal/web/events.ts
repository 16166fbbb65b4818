// Live updates of the person's claims: an EventSource on GET /api/events, every message validated.
// The portal ends the stream every few minutes and the browser reconnects by itself (that renews
// the sign-in); a claim just created is named in the URL until the portal finds it on its own.
import { ClaimEvent, type ClaimRef, Me } from '../api-types.js';
import { api } from './api.js';

export interface ClaimStream {
  /** Reconnects so the portal also watches these claims (the ones this page just created). */
  watch(refs: ClaimRef[]): void;
}

export function claimStream(onEvent: (event: ClaimEvent) => void, onTrouble: (message?: string) => void): ClaimStream {
  let source: EventSource | undefined;
  let named: ClaimRef[] = [];
  const open = () => {
    source?.close();
    const query = new URLSearchParams(named.map((r) => ['claim', `${r.namespace}/${r.name}`]));
    const url = `/api/events${named.length ? `?${query}` : ''}`;
    const current = new EventSource(url);
    source = current;
    current.onopen = () => onTrouble(undefined);
    current.onmessage = (message) => {
      const event = ClaimEvent.safeParse(JSON.parse(message.data as string));
      if (event.success) onEvent(event.data);
    };
    current.onerror = () => {
      // CONNECTING: the browser retries by itself. CLOSED: the portal refused (signed out, down).
      if (current.readyState !== EventSource.CLOSED) return;
      onTrouble('Live updates stopped. Trying again…');
      // /api/me sends the person through sign-in when that is what went wrong.
      api(Me, '/api/me')
        .then(() => setTimeout(open, 2000))
        .catch(() => setTimeout(open, 5000));
    };
  };
  open();
  return {
    watch(refs) {
      named = refs;
      open();
    },
  };
}
