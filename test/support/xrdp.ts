// An xrdp desktop's session, from the outside (local/simulator/screen/xrdp.ts): found by the
// variables sesman gives its programs (XRDP_SESSION, and the simulator's KUBEVDI_DESKTOP), and used
// as its account would: in its mount and PID namespaces (where the files copied through the
// clipboard are mounted, for the account alone), with its display and X authority. Always asynchronous: the
// portal a test runs may share this process, and xclip waits on the very clipboard it relays.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { shellQuote } from '../../local/simulator/screen/xrdp.js';
import { eventually } from './eventually.js';

export interface XrdpSession {
  /** The desktop it shows. */
  desktop: { namespace: string; name: string };
  /** A process of the session (in its namespaces). */
  pid: number;
  /** `:N` */
  display: string;
  user: string;
  home: string;
}

function environment(pid: number): Map<string, string> | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, 'latin1');
    return new Map(
      raw
        .split('\0')
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const),
    );
  } catch {
    return undefined;
  }
}

/**
 * The xrdp session showing `namespace/name`, if one runs: by its oldest process, which lives as
 * long as the session (the session script); a younger one may be a helper that is gone a moment
 * later (seen on a loaded machine: nsenter found no /proc/<pid>/ns of a process just listed).
 */
export function xrdpSession(namespace: string, name: string): XrdpSession | undefined {
  let oldest: { session: XrdpSession; started: number } | undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const env = environment(Number(entry));
    if (env?.get('XRDP_SESSION') !== '1' || env.get('KUBEVDI_DESKTOP') !== `${namespace}/${name}`) continue;
    const display = env.get('DISPLAY');
    const user = env.get('USER');
    const home = env.get('HOME');
    const started = startTime(Number(entry));
    if (!display || !user || !home || started === undefined) continue;
    if (!oldest || started < oldest.started) {
      oldest = {
        session: { desktop: { namespace, name }, pid: Number(entry), display: display.replace(/\.0$/, ''), user, home },
        started,
      };
    }
  }
  return oldest?.session;
}

/** When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when it is gone. */
function startTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/**
 * Runs `script` (sh) in the session as its account; resolves with its output. `timeoutMs` bounds it
 * (xclip serving a selection runs until another program takes the clipboard).
 */
export async function inSession(found: XrdpSession, script: string, timeoutMs = 20_000): Promise<string> {
  const session = current(found);
  const { stdout } = await promisify(execFile)(
    'nsenter',
    [
      '-t',
      String(session.pid),
      '-m',
      '-p',
      '--',
      'runuser',
      '-u',
      session.user,
      '--',
      'env',
      `DISPLAY=${session.display}`,
      `XAUTHORITY=${session.home}/.Xauthority`,
      `HOME=${session.home}`,
      'sh',
      '-c',
      script,
    ],
    { encoding: 'utf8', timeout: timeoutMs },
  );
  return stdout;
}

/**
 * The desktop's session as it is now. On a loaded machine xrdp may have started it again (sesman
 * gives up on an X server slow to start, and the client's next try gets a new session): the
 * process first found is gone then, and the session to use is the new one.
 */
function current(session: XrdpSession): XrdpSession {
  if (existsSync(`/proc/${session.pid}/ns/pid`)) return session;
  return xrdpSession(session.desktop.namespace, session.desktop.name) ?? session;
}

/** What the session's clipboard holds as `target` (a MIME type, or UTF8_STRING), '' when nothing. */
export async function sessionClipboard(session: XrdpSession, target = 'UTF8_STRING'): Promise<string> {
  return inSession(session, `timeout 5 xclip -selection clipboard -t ${target} -o 2>/dev/null || true`, 10_000);
}

/**
 * Puts `text` on the session's clipboard, as copying it there would: xclip serves it in the
 * background, as often as asked, until something else is copied there (or a minute passes).
 */
export async function copyInSession(session: XrdpSession, text: string): Promise<void> {
  await inSession(
    session,
    `printf %s ${shellQuote(text)} | timeout 60 xclip -selection clipboard -i >/dev/null 2>&1 &`,
    10_000,
  );
}

/**
 * Copies `text` in the session again until `arrived` holds (or `timeoutMs` passes), as a person
 * whose copy did not come through would. chansrv tells the client about a copy only when the X
 * clipboard changes hands after its clipboard started (xrdp's clipboard_init watches for changes to
 * come, not the owner already there), and it starts with the session's clipboard channel, a moment
 * after the picture shows: a copy made in that moment is never offered.
 */
export async function copyInSessionUntil(
  session: XrdpSession,
  text: string,
  arrived: () => Promise<unknown>,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    async () => {
      await copyInSession(session, text);
      await eventually(arrived, 5_000, 200);
    },
    timeoutMs,
    0,
  );
}
