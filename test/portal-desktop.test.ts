// The pure parts of what a person sees and does with a desktop: the claim as the page gets it,
// what the person's rules allow, the .rdp file, and the words on the card.

import type { V1ResourceRule } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { PendingAction } from '../src/portal/api-types.js';
import { DEFAULT_RDP_UPSTREAM, splitAddress } from '../src/portal/console/rdp-endpoint.js';
import { DEFAULT_RDP_ADDRESS, rdpAddress, rdpFile } from '../src/portal/console/rdp-file.js';
import type { ClaimObject } from '../src/portal/kube-objects.js';
import { desktopPermissions } from '../src/portal/rules.js';
import { toClaim } from '../src/portal/user/claim-view.js';
import {
  activeClaims,
  countdownText,
  deadlineAnnouncement,
  dueAction,
  limitText,
  logOffWords,
  pendingReason,
  remaining,
  sessionText,
  stateText,
  type TimeFormat,
} from '../src/portal/web/words.js';

/** The per-claim grant as src/render/grants.ts writes it (a copy in the test only). */
const grant: V1ResourceRule[] = [
  { apiGroups: ['kubevdi.io'], resources: ['desktopclaims'], resourceNames: ['sales-x1'], verbs: ['get', 'watch'] },
  {
    apiGroups: ['subresources.kubevirt.io'],
    resources: ['virtualmachineinstances/vnc', 'virtualmachineinstances/userlist'],
    resourceNames: ['sales-0'],
    verbs: ['get'],
  },
  {
    apiGroups: ['subresources.kubevirt.io'],
    resources: ['virtualmachines/start', 'virtualmachines/stop', 'virtualmachines/restart'],
    resourceNames: ['sales-0'],
    verbs: ['update'],
  },
];

describe('what the person may do with a desktop', () => {
  it('follows the rules the API server lists, by name', () => {
    expect(desktopPermissions(grant, 'sales-0')).toEqual({ start: true, stop: true, restart: true, console: true });
    expect(desktopPermissions(grant, 'sales-1')).toEqual({ start: false, stop: false, restart: false, console: false });
    expect(desktopPermissions([], 'sales-0')).toEqual({ start: false, stop: false, restart: false, console: false });
  });

  it('honours wildcards and kind/* as RBAC does', () => {
    const admin: V1ResourceRule[] = [
      { apiGroups: ['subresources.kubevirt.io'], resources: ['virtualmachines/*'], verbs: ['*'] },
    ];
    expect(desktopPermissions(admin, 'any')).toEqual({ start: true, stop: true, restart: true, console: false });
    expect(desktopPermissions([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], 'any').console).toBe(true);
  });
});

describe('the claim as the page gets it', () => {
  const object: ClaimObject = {
    metadata: { namespace: 'team', name: 'sales-x1', creationTimestamp: new Date('2026-01-01T08:00:00Z') },
    spec: { poolRef: { name: 'sales' }, user: 'alice' },
    status: {
      phase: 'Bound',
      desktop: { name: 'sales-0', ready: true },
      connection: { vncPath: '/x', rdpService: 'rdp-sales-0' },
      session: {
        loggedInUsers: [{ userName: 'alice', loginTime: '2026-01-01T08:01:00Z' }],
        guestAgentConnected: true,
        lastActivityTime: '2026-01-01T08:02:00Z',
      },
      pendingAction: {
        action: 'Release' as const,
        reason: 'IdleTimeout' as const,
        deadline: '2026-01-01T10:00:00Z',
        message: 'nobody has been logged on for 90 minutes',
      },
      conditions: [
        {
          type: 'Bound',
          status: 'True',
          reason: 'DesktopBound',
          message: 'bound',
          lastTransitionTime: '2026-01-01T08:00:30Z',
        },
      ],
    },
  };

  it('carries the session, the pending action, RDP, the pool kind, the state and the permissions', () => {
    const claim = toClaim(object, {
      rules: grant,
      pool: { metadata: { name: 'sales' }, spec: { assignment: 'Manual', persistence: 'Persistent' } },
      vm: { metadata: { name: 'sales-0' }, status: { printableStatus: 'Running' } },
    });
    expect(claim).toMatchObject({
      desktop: { name: 'sales-0', ready: true, state: 'Running' },
      session: { loggedInUsers: [{ userName: 'alice' }], guestAgentConnected: true },
      lastActivityTime: '2026-01-01T08:02:00Z',
      pendingAction: { action: 'Release', deadline: '2026-01-01T10:00:00Z' },
      rdp: true,
      poolKind: { assignment: 'Manual', persistence: 'Persistent' },
      allowed: { start: true, stop: true, restart: true, console: true },
    });
  });

  it('leaves out what the portal could not read, and a VM that is not the claim’s', () => {
    const claim = toClaim(object, { vm: { metadata: { name: 'other' }, status: { printableStatus: 'Stopped' } } });
    expect(claim.desktop).toEqual({ name: 'sales-0', ready: true });
    expect(claim.allowed).toBeUndefined();
    expect(claim.poolKind).toBeUndefined();
  });
});

describe('the .rdp file', () => {
  it('names the Service’s cluster DNS name by default, or the portal’s template', () => {
    const target = { namespace: 'team', desktop: 'sales-0', service: 'rdp-sales-0' };
    expect(rdpAddress(DEFAULT_RDP_ADDRESS, target)).toBe('rdp-sales-0.team.svc:3389');
    expect(rdpAddress('{desktop}.vdi.example.com', target)).toBe('sales-0.vdi.example.com');
    expect(() => rdpAddress('{desktop}\r\nusername:s:x', target)).toThrow();
    const file = rdpFile('rdp-sales-0.team.svc:3389');
    expect(file.split('\r\n')[0]).toBe('full address:s:rdp-sales-0.team.svc:3389');
    expect(file.endsWith('\r\n')).toBe(true);
    // One monitor unless the pool says otherwise.
    expect(file).toContain('\r\nuse multimon:i:0\r\n');
    expect(rdpFile('x:3389', { multipleMonitors: true })).toContain('\r\nuse multimon:i:1\r\n');
  });

  it('turns the clipboard and the person’s drives on only where the pool allows both ways (a .rdp file cannot say one way)', () => {
    const lines = (options: Parameters<typeof rdpFile>[1]) =>
      rdpFile('x:3389', options)
        .split('\r\n')
        .filter((l) => /^(redirectclipboard|drivestoredirect):/.test(l));
    expect(lines({ clipboard: 'Both', fileTransfer: 'Both' })).toEqual([
      'redirectclipboard:i:1',
      'drivestoredirect:s:*',
    ]);
    for (const oneWay of ['ToDesktop', 'FromDesktop', 'None'] as const)
      expect(lines({ clipboard: oneWay, fileTransfer: oneWay })).toEqual([
        'redirectclipboard:i:0',
        'drivestoredirect:s:',
      ]);
    // Without a policy (the pool could not be read): neither.
    expect(lines({})).toEqual(['redirectclipboard:i:0', 'drivestoredirect:s:']);
  });

  it('has the gateway connect where its template says, {ip} included', () => {
    const target = { namespace: 'team', desktop: 'sales-0', service: 'rdp-sales-0' };
    expect(splitAddress(rdpAddress(DEFAULT_RDP_UPSTREAM, target))).toEqual({
      host: 'rdp-sales-0.team.svc',
      port: 3389,
    });
    expect(splitAddress(rdpAddress('{ip}:3389', { ...target, ip: '10.244.1.7' }))).toEqual({
      host: '10.244.1.7',
      port: 3389,
    });
    expect(splitAddress(rdpAddress('{ip}:3389', { ...target, ip: 'fd00::7' }))).toEqual({
      host: 'fd00::7',
      port: 3389,
    });
    // No address known: the template cannot make one, and says so.
    expect(() => rdpAddress('{ip}:3389', target)).toThrow();
    expect(() => splitAddress('host')).toThrow('is not host:port');
    expect(() => splitAddress('host:99999')).toThrow('is not host:port');
  });
});

describe('the words on the card', () => {
  const fixed: TimeFormat = {
    clock: (d) => d.toISOString().slice(11, 16),
    day: (d) => d.toISOString().slice(0, 10),
  };
  const now = new Date('2026-01-01T09:40:00Z');
  const pending: PendingAction = {
    action: 'Release',
    reason: 'IdleTimeout',
    deadline: '2026-01-01T10:05:00Z',
    message: 'nobody logged on',
  };

  it('counts down to the pending action', () => {
    expect(countdownText(pending, now, fixed)).toBe('This desktop will be released at 10:05 (in 25 minutes).');
    expect(countdownText({ ...pending, action: 'PowerOff' }, new Date('2026-01-01T10:04:00Z'), fixed)).toBe(
      'This desktop will be powered off at 10:05 (in 60 seconds).',
    );
    expect(countdownText(pending, new Date('2026-01-01T10:06:00Z'), fixed)).toBe('This desktop is being released now.');
    expect(remaining(3 * 3600_000)).toBe('3 hours');
  });

  it('keeps a maintenance restart a restart as the countdown ticks, and does not ask for activity that cannot stop it', () => {
    const restart: PendingAction = { ...pending, action: 'Restart', reason: 'Maintenance' };
    // The card's data-action-due as the page's clock reads it back each second.
    expect(countdownText({ ...pending, action: dueAction('Restart') }, now, fixed)).toBe(
      'This desktop will be restarted for maintenance at 10:05 (in 25 minutes).',
    );
    expect([dueAction('PowerOff'), dueAction('Release'), dueAction(undefined)]).toEqual([
      'PowerOff',
      'Release',
      'Release',
    ]);
    expect(deadlineAnnouncement(restart, 5 * 60_000)).toBe('restarted for maintenance in 5 minutes: save your work.');
    expect(deadlineAnnouncement(pending, 5 * 60_000)).toBe('released in 5 minutes unless you carry on working.');
  });

  it('says why in the person’s time: since the later of the last logoff and the last activity', () => {
    const base = { namespace: 'team', name: 'x', pool: 'sales', user: 'alice', conditions: [], pendingAction: pending };
    const idle = {
      ...base,
      session: { loggedInUsers: [], idleSince: '2026-01-01T09:00:00Z' },
      lastActivityTime: '2026-01-01T09:10:00Z',
    };
    expect(pendingReason(idle, now, fixed)).toBe('Nobody has been logged on or active on it since 09:10.');
    const loggedOff = {
      ...base,
      pendingAction: { ...pending, reason: 'LoggedOff' as const },
      session: { loggedInUsers: [], lastSeenTime: '2026-01-01T09:30:00Z' },
    };
    expect(pendingReason(loggedOff, now, fixed)).toMatch(/^You logged off at 09:30 /);
    // The capacity's ramp-down: what keeps the desktop running depends on whether someone is on.
    const afterHours = { ...base, pendingAction: { ...pending, reason: 'AfterHours' as const } };
    expect(pendingReason({ ...afterHours, session: { loggedInUsers: [] } }, now, fixed)).toMatch(
      /hours are over and nobody is logged on to this desktop\. Log on, or say you are still working/,
    );
    expect(pendingReason({ ...afterHours, session: { loggedInUsers: [{ userName: 'ada' }] } }, now, fixed)).toMatch(
      /nobody has used this desktop through the portal since\. Say you are still working/,
    );
  });

  it('says who is logged on, nobody, or that nobody can tell', () => {
    expect(sessionText({ loggedInUsers: [{ userName: 'ada', loginTime: '2026-01-01T09:02:00Z' }] }, now, fixed)).toBe(
      'ada since 09:02',
    );
    expect(sessionText({ loggedInUsers: [{ userName: 'ada', domain: 'CORP' }] }, now, fixed)).toBe('CORP\\ada');
    expect(sessionText({ loggedInUsers: [], guestAgentConnected: true }, now)).toBe('Nobody is logged on');
    expect(sessionText({ loggedInUsers: [], guestAgentConnected: false }, now)).toBe(
      'Can’t tell: the desktop’s guest agent does not answer',
    );
    expect(stateText('Starting')).toBe('Starting…');
    expect(stateText('WaitingForSomething')).toBe('Waiting For Something');
  });

  it('says plainly what logging off keeps and loses, by kind of pool', () => {
    expect(logOffWords({ assignment: 'Automatic', persistence: 'Stateless' }).join(' ')).toContain(
      'your files on this desktop are discarded',
    );
    expect(logOffWords({ assignment: 'Automatic', persistence: 'Persistent' }).join(' ')).toContain('its disk is kept');
    const manual = logOffWords({ assignment: 'Manual', persistence: 'Persistent' }).join(' ');
    expect(manual).toContain('it stays yours');
    expect(manual).not.toContain('discarded');
  });

  it('turns Get desktop off at the pool’s limit, counting claims that hold or wait', () => {
    const claim = (name: string, over = {}) => ({
      namespace: 'team',
      name,
      pool: 'sales',
      user: 'alice',
      conditions: [],
      ...over,
    });
    const pool = { namespace: 'team', name: 'sales' };
    expect(activeClaims([claim('a'), claim('b', { phase: 'Released' }), claim('c', { deleting: true })], pool)).toBe(1);
    expect(limitText(0, 1)).toBeUndefined();
    expect(limitText(1, 1)).toContain('You already have a desktop from this pool');
    expect(limitText(2, 2)).toContain('2 desktops');
  });
});
