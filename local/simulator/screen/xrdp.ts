// A desktop's RDP server when the simulator runs xrdp (`--rdp-server xrdp`): xrdp 0.9 with xorgxrdp,
// its own session manager (xrdp-sesman) and, in each session, chansrv — the clipboard, and files
// copied through it (`~/thinclient_drives/.clipboard`, a FUSE mount). Unlike FreeRDP's shadow
// server it does not share the console's display: like Windows, an RDP connection gets a session of
// its own (an Xorg display that xorgxrdp draws), started for a real Unix account that signs in with
// its password — and it shows the same desktop (the desktop's colour, openbox, the terminal).
//
// One xrdp per desktop, each in mount, PID and network namespaces of its own (`unshare`): xrdp and
// chansrv read /etc/xrdp/sesman.ini whatever `-c` says, so each instance bind-mounts its own there
// (and its own startwm.sh); /run/xrdp (their sockets) is a private tmpfs; the FUSE mounts live and
// die with the namespace; killing the namespace's first process kills every process in it. sesman
// must listen on 127.0.0.1 (only there does xrdp reach a session's Xorg by its unix socket), so
// each instance has a loopback of its own to put it on. xrdp listens on a unix socket in the
// session's directory (the filesystem is shared): the simulator's listener at <its IP>:3389 is
// spliced to it, as for the shadow server. The session's X display is machine-wide, as every X
// display is. Pure: the files' text and the command line; session.ts runs them.
import { createHash } from 'node:crypto';
import { desktopColour } from '../virt-api/framebuffer.js';
import { type DesktopIdentity, desktopLabel, hexColour, rootArgs, terminalArgs } from './desktop.js';

/** Where xrdp's files go, inside the session's directory. */
export interface XrdpPaths {
  /** The session's directory (absolute). */
  dir: string;
  /** xrdp's listening socket (at most 107 bytes: a unix socket path). */
  socket: string;
  certificate: string;
  key: string;
}

/** sesman's port, on the instance's own loopback. */
export const SESMAN_PORT = 3350;

/**
 * The first X display number sesman tries for this desktop. Xorg displays are machine-wide
 * (/tmp/.X11-unix), and sesman takes the first free one from here; each desktop starting from a
 * place of its own (above the few Xvnc takes from :0 up) keeps two desktops starting at the same
 * moment from picking the same one.
 */
export function displayOffset(uid: string): number {
  return 100 + (createHash('sha256').update(`${uid}/display`).digest().readUInt16BE(0) % 5000);
}

const ini = (sections: Record<string, Record<string, string | number | boolean>>): string =>
  `${Object.entries(sections)
    .map(([name, entries]) =>
      [`[${name}]`, ...Object.entries(entries).map(([key, value]) => `${key}=${value}`)].join('\n'),
    )
    .join('\n\n')}\n`;

export function xrdpIni(paths: XrdpPaths): string {
  return ini({
    Globals: {
      ini_version: 1,
      fork: true,
      // `unix://.` then the absolute path: xrdp's spelling of a unix socket.
      port: `unix://.${paths.socket}`,
      use_vsock: false,
      // IronRDP refuses RDP's standard security; xrdp 0.9 has no CredSSP: TLS it is.
      security_layer: 'tls',
      crypt_level: 'none',
      certificate: paths.certificate,
      key_file: paths.key,
      ssl_protocols: 'TLSv1.2, TLSv1.3',
      // A client that logs on with credentials goes straight to the session (xrdp's own login
      // screen is drawn with slow-path PDUs IronRDP does not take).
      autorun: 'Xorg',
      allow_channels: true,
      allow_multimon: false,
      bitmap_cache: true,
      bitmap_compression: true,
      bulk_compression: true,
      max_bpp: 32,
      new_cursors: true,
      use_fastpath: 'both',
    },
    Logging: { LogFile: `${paths.dir}/xrdp.log`, LogLevel: 'INFO', EnableSyslog: false },
    Channels: { rdpdr: true, rdpsnd: false, drdynvc: true, cliprdr: true, rail: false, xrdpvr: false, tcutils: false },
    // Where sesman is (its port from /etc/xrdp/sesman.ini); port -1: ask it for the session's display.
    // 127.0.0.1 is also what makes xrdp reach the session's Xorg by its unix socket rather than TCP.
    Xorg: { name: 'Xorg', lib: 'libxup.so', username: 'ask', password: 'ask', ip: '127.0.0.1', port: -1, code: 20 },
  });
}

export function sesmanIni(dir: string, desktop: Pick<DesktopIdentity, 'uid' | 'namespace' | 'name'>): string {
  const label = desktopLabel(desktop.namespace, desktop.name);
  return `${ini({
    Globals: {
      // The namespace's own loopback: every desktop's sesman has this address and port to itself.
      ListenAddress: '127.0.0.1',
      ListenPort: SESMAN_PORT,
      // The startwm.sh bind-mounted on /etc/xrdp: the desktop's own programs, not the account's.
      EnableUserWindowManager: false,
      DefaultWindowManager: 'startwm.sh',
      ReconnectScript: 'reconnectwm.sh',
    },
    Security: {
      AllowRootLogin: false,
      MaxLoginRetry: 4,
      AlwaysGroupCheck: false,
      RestrictOutboundClipboard: 'none',
      RestrictInboundClipboard: 'none',
    },
    Sessions: {
      X11DisplayOffset: displayOffset(desktop.uid),
      // Room for displays an Xorg killed without cleaning up left locked (sesman tries this many from the offset).
      MaxSessions: 16,
      // A connection that ends leaves the session running, as Windows does: the next one returns to it.
      KillDisconnected: false,
      DisconnectedTimeLimit: 0,
      IdleTimeLimit: 0,
      Policy: 'Default',
    },
    Logging: { LogFile: `${dir}/sesman.log`, LogLevel: 'INFO', EnableSyslog: false },
    Chansrv: { FuseMountName: 'thinclient_drives', FileUmask: '077' },
    ChansrvLogging: { LogLevel: 'INFO', EnableSyslog: false, EnableConsole: false },
    SessionVariables: { KUBEVDI_DESKTOP: label },
  })}
[Xorg]
param=/usr/lib/xorg/Xorg
param=-config
param=xrdp/xorg.conf
param=-noreset
param=-nolisten
param=tcp
param=-logfile
param=.xorgxrdp.%s.log
`;
}

/** One word for sh, whatever it holds. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The session's window manager script (sesman runs it as the account, with DISPLAY set): the same
 * desktop the console shows — the root window in the desktop's colour, openbox, and, once openbox
 * manages the screen (its --startup), the terminal with the clock. `$0 terminal` is that second step.
 */
export function startwmScript(desktop: Pick<DesktopIdentity, 'namespace' | 'name'>): string {
  const label = desktopLabel(desktop.namespace, desktop.name);
  const words = (args: string[]) => args.map(shellQuote).join(' ');
  return `#!/bin/sh
# The xrdp session of ${label} (written by the kubevdi simulator).
if [ "$1" = terminal ]; then
  exec xterm ${words(terminalArgs(label))}
fi
xsetroot ${words(rootArgs(label))}
exec openbox --startup "$0 terminal"
`;
}

/** The colour the session's root window has (what tests sample). */
export const sessionColour = (desktop: Pick<DesktopIdentity, 'namespace' | 'name'>) =>
  hexColour(desktopColour(desktopLabel(desktop.namespace, desktop.name)));

/**
 * The command that runs one desktop's xrdp: `unshare` makes the namespaces; its child (the
 * namespace's first process, a shell) mounts the desktop's sesman.ini and startwm.sh over
 * /etc/xrdp's and a tmpfs on /run/xrdp, starts sesman and xrdp in the foreground (-n), and on
 * SIGTERM passes it on to every process of the namespace and waits a little for them (Xorg
 * removes its lock files then). When that shell dies, the kernel kills what is left.
 */
export function xrdpCommand(dir: string): { command: string; args: string[] } {
  const script = `set -eu
dir="$1"
mount --bind "$dir/sesman.ini" /etc/xrdp/sesman.ini
mount --bind "$dir/startwm.sh" /etc/xrdp/startwm.sh
mount -t tmpfs -o mode=0755 tmpfs /run/xrdp
ip link set lo up
mkdir -p /run/xrdp/sockdir
chmod 3777 /run/xrdp/sockdir
stop() {
  trap - TERM INT
  kill -TERM -1 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    set -- /proc/[0-9]*
    [ "$#" -le 1 ] && break
    sleep 0.1
  done
  exit 0
}
trap stop TERM INT
xrdp-sesman -n -c "$dir/sesman.ini" &
xrdp -n -c "$dir/xrdp.ini" &
while :; do sleep 1 & wait $! || true; done
`;
  return {
    command: 'unshare',
    args: [
      '--mount',
      '--pid',
      '--net',
      '--fork',
      '--kill-child=TERM',
      '--mount-proc',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'kubevdi-xrdp',
      dir,
    ],
  };
}
