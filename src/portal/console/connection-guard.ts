// Keeps a long-lived connection to a desktop (the VNC console; the RDP gateway next) open only as
// long as the person may open it. The API server decides once, when the connection opens: a
// websocket it let through stays open after the grant behind it is gone. So while the connection
// is open, the guard asks again, as the person (SelfSubjectAccessReview: the authorizer that
// decides the real request) — whenever the desktop's VirtualMachine changes (watched by name as
// the person: at give-back the operator takes the grant back first and then patches or deletes the
// VM, so that change comes just after the grant went), a few seconds after such a change (the
// authorizer's cache may trail the Role by a moment), and on a slow backstop timer for grants that
// go without the VM changing. A "no", or a token the API server no longer takes, ends the
// connection; an API server that cannot answer does not (it is asked again).
import { ApiException, type KubeConfig, type V1ResourceAttributes } from '@kubernetes/client-node';
import { allowed } from '../access.js';
import { followObject } from '../claim-watch.js';

/** Why the guard ended a connection. */
export type GuardEnd = 'revoked' | 'signed-out';

export interface ConnectionGuardOptions {
  /** The person's own credentials. */
  kc: KubeConfig;
  /** The object whose changes mean "ask again": its collection's path and its name. */
  watch: { path: string; name: string };
  /** What opening the connection takes, as the API server authorises it. */
  access: V1ResourceAttributes;
  /** The backstop: ask at least this often (default GUARD_RECHECK_MS). */
  recheckMs?: number;
  /** Called once, when the connection must end; the guard has stopped by then. */
  onEnd(why: GuardEnd): void;
  /** A question the API server could not answer (it is asked again later). */
  onTrouble?(err: unknown): void;
}

export const GUARD_RECHECK_MS = 30_000;
/** After a change of the watched object, ask once more this much later. */
const SETTLE_MS = 3000;

/** Starts guarding; the returned function stops it (call it when the connection ends). */
export function guardConnection(options: ConnectionGuardOptions): () => void {
  const { kc, access } = options;
  const stop = new AbortController();
  let checking = false;
  let again = false;
  let settle: NodeJS.Timeout | undefined;

  const finish = (why: GuardEnd) => {
    if (stop.signal.aborted) return;
    halt();
    options.onEnd(why);
  };

  const answer = async (): Promise<GuardEnd | undefined> => {
    try {
      return (await allowed(kc, access)) ? undefined : 'revoked';
    } catch (err) {
      if (err instanceof ApiException && err.code === 401) return 'signed-out';
      options.onTrouble?.(err);
      return undefined;
    }
  };

  // One question at a time; one asked meanwhile is asked again once the current one is answered.
  const check = async () => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        const end = await answer();
        if (stop.signal.aborted) return;
        if (end) return finish(end);
      } while (again);
    } finally {
      checking = false;
    }
  };

  const changed = () => {
    void check();
    clearTimeout(settle);
    settle = setTimeout(() => void check(), SETTLE_MS);
    settle.unref();
  };

  const backstop = setInterval(() => void check(), options.recheckMs ?? GUARD_RECHECK_MS);
  backstop.unref();

  function halt() {
    stop.abort();
    clearInterval(backstop);
    clearTimeout(settle);
  }

  // The watch's first event is the object as it is: that asks once at the start too. Gone (deleted,
  // or no longer visible to the person) asks as well; the backstop goes on either way.
  followObject(
    kc,
    options.watch.path,
    options.watch.name,
    { changed, gone: changed, signedOut: () => finish('signed-out') },
    stop.signal,
    // A person who may open the connection but not watch the object: the backstop alone then.
    { patienceMs: GUARD_RECHECK_MS },
  ).catch((err: unknown) => options.onTrouble?.(err));

  return halt;
}
