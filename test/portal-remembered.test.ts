import { describe, expect, it } from 'vitest';
import { remembered } from '../src/portal/remembered.js';

describe('an answer remembered for a while', () => {
  it('asks once per key within the time, again after it, and shares a question in flight', async () => {
    let clock = 0;
    const asked: string[] = [];
    const answer = remembered<string>(60_000, { now: () => clock });
    const ask = (key: string) =>
      answer(key, async () => {
        asked.push(key);
        return `${key}:${asked.length}`;
      });
    const [a, b] = await Promise.all([ask('ada'), ask('ada')]);
    expect([a, b]).toEqual(['ada:1', 'ada:1']);
    expect(await ask('hedy')).toBe('hedy:2');
    clock = 59_999;
    expect(await ask('ada')).toBe('ada:1');
    clock = 60_000;
    expect(await ask('ada')).toBe('ada:3');
    expect(asked).toEqual(['ada', 'hedy', 'ada']);
  });

  it('forgets a failure at once, and the oldest keys beyond its limit', async () => {
    let calls = 0;
    const answer = remembered<string>(60_000, { limit: 2 });
    const ask = (key: string) =>
      answer(key, async () => {
        calls++;
        if (key === 'bad' && calls === 1) throw new Error('the API server hiccuped');
        return key;
      });
    await expect(ask('bad')).rejects.toThrow('hiccuped');
    expect(await ask('bad')).toBe('bad');
    await ask('b');
    await ask('c'); // 'bad' is the oldest of three: forgotten
    const before = calls;
    await ask('bad');
    expect(calls).toBe(before + 1);
  });
});
