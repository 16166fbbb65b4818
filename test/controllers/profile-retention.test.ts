import { describe, expect, it } from 'vitest';
import { expiredProfileDisks, type ProfileDiskView } from '../../src/controllers/profile-retention.js';

const now = new Date('2026-12-07T12:00:00Z');
const disk = (name: string, person: string, lastReleased?: string): ProfileDiskView => ({
  name,
  uid: `uid-${name}`,
  person,
  lastReleased,
  created: '2026-01-01T00:00:00Z',
});
const none = new Set<string>();

describe('profile disk retention', () => {
  it('deletes only disks unused for longer than the retention, and says when the next one expires', () => {
    const verdict = expiredProfileDisks({
      disks: [disk('old', 'alice', '2026-11-01T12:00:00Z'), disk('recent', 'bob', '2026-12-06T12:00:00Z')],
      attached: none,
      claimants: none,
      retainDays: 30,
      now,
    });
    expect(verdict.expired.map((e) => e.disk.name)).toEqual(['old']);
    // bob's disk was last released a day ago: 29 days left.
    expect(verdict.recheckInMs).toBe(29 * 24 * 3600 * 1000);
  });

  it('keeps disks that are attached, whose person has a live claim, or that carry no time; keeps all without retention', () => {
    const disks = [
      disk('attached', 'alice', '2020-01-01T00:00:00Z'),
      disk('claimed', 'bob', '2020-01-01T00:00:00Z'),
      { ...disk('timeless', 'carol'), created: undefined },
    ];
    const input = { disks, attached: new Set(['attached']), claimants: new Set(['bob']), now };
    expect(expiredProfileDisks({ ...input, retainDays: 0 }).expired).toEqual([]);
    expect(expiredProfileDisks({ ...input, retainDays: undefined }).expired).toEqual([]);
  });

  it('counts from creation when the disk was never given back', () => {
    const verdict = expiredProfileDisks({
      disks: [disk('never-released', 'dave')],
      attached: none,
      claimants: none,
      retainDays: 1,
      now,
    });
    expect(verdict.expired[0]?.unusedSince).toBe('2026-01-01T00:00:00Z');
  });
});
