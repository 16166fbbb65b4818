// A token bucket shared by callers that must not exceed a request rate together (Go's
// rate.Limiter, as client-go uses it): `take()` resolves at once while tokens are left and
// otherwise when the caller's token is due, first come first served. Tokens go negative to hold
// the reservations of those waiting, so the rate holds however many wait.

export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number = Math.max(1, Math.ceil(perSecond)),
    now = Date.now(),
  ) {
    if (!(perSecond > 0)) throw new Error(`rate must be > 0 per second, got ${perSecond}`);
    this.tokens = this.burst;
    this.last = now;
  }

  /** Reserves a token; returns how many milliseconds the caller must wait for it (0: go now). */
  reserve(now = Date.now()): number {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.perSecond);
    this.last = Math.max(this.last, now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  take(): Promise<void> {
    const wait = this.reserve();
    return wait === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait));
  }
}
