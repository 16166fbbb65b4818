import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/runtime/ratelimiter.js';

describe('rate limiter', () => {
  it('lets a burst through, then spaces callers at the rate, first come first served', () => {
    const limiter = new RateLimiter(10, 2, 0);
    expect([limiter.reserve(0), limiter.reserve(0)]).toEqual([0, 0]);
    // Out of tokens: the next ones wait 100 ms, 200 ms, 300 ms.
    expect([limiter.reserve(0), limiter.reserve(0), limiter.reserve(0)]).toEqual([100, 200, 300]);
    // Time passing pays the debt first: at 300 ms the last reservation is due, nothing is left over.
    expect(limiter.reserve(300)).toBe(100);
  });

  it('refills up to the burst and no more', () => {
    const limiter = new RateLimiter(1, 3, 0);
    for (let i = 0; i < 3; i++) expect(limiter.reserve(0)).toBe(0);
    expect(limiter.reserve(60_000 + 0)).toBe(0);
    expect(limiter.reserve(60_000)).toBe(0);
    expect(limiter.reserve(60_000)).toBe(0);
    expect(limiter.reserve(60_000)).toBe(1000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow('rate must be > 0');
  });
});
