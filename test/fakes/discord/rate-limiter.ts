const WINDOW_MS = 1000;

export interface RateLimitVerdict {
  limited: boolean;
  /** Seconds until a request would be accepted again (only when limited). */
  retryAfter: number;
  remaining: number;
  resetAt: number;
}

/**
 * Discord's global limit as a sliding window: more than `limit` accepted requests in any
 * 1 s window is refused. Refused requests do not occupy the window, as on Discord.
 */
export class RateLimiter {
  private accepted: number[] = [];
  count429 = 0;

  constructor(readonly limit: number) {}

  check(now = Date.now()): RateLimitVerdict {
    this.accepted = this.accepted.filter((t) => t > now - WINDOW_MS);
    const oldest = this.accepted[0];
    if (this.accepted.length >= this.limit && oldest !== undefined) {
      this.count429 += 1;
      const resetAt = oldest + WINDOW_MS;
      return { limited: true, retryAfter: Math.max(resetAt - now, 1) / 1000, remaining: 0, resetAt };
    }
    this.accepted.push(now);
    const first = this.accepted[0] ?? now;
    return { limited: false, retryAfter: 0, remaining: this.limit - this.accepted.length, resetAt: first + WINDOW_MS };
  }

  /** Headers and body of a global-limit 429 as Discord sends them. */
  response(verdict: RateLimitVerdict): { headers: Record<string, string>; json: unknown } {
    return {
      headers: {
        'retry-after': String(Math.ceil(verdict.retryAfter)),
        'x-ratelimit-limit': String(this.limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': (verdict.resetAt / 1000).toFixed(3),
        'x-ratelimit-reset-after': verdict.retryAfter.toFixed(3),
        'x-ratelimit-bucket': 'global',
        'x-ratelimit-global': 'true',
        'x-ratelimit-scope': 'global',
      },
      json: { message: 'You are being rate limited.', retry_after: verdict.retryAfter, global: true, code: 0 },
    };
  }
}
