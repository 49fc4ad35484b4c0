// Per-user fairness: how many jobs at once, and how many a minute.
import type { Ledger } from './ledger.ts';
import { UserError } from './user-error.ts';

export interface Limits {
  maxConcurrent: number;
  perMinute: number;
}

export function checkLimits(ledger: Ledger, userId: string, limits: Limits, now = Date.now()): void {
  const active = ledger.activeForUser(userId).length;
  if (active >= limits.maxConcurrent) {
    throw new UserError('limits.concurrent', { active, limit: limits.maxConcurrent });
  }
  const recent = ledger.countSince(userId, now - 60_000);
  if (recent >= limits.perMinute) {
    throw new UserError('limits.per_minute', { recent, limit: limits.perMinute });
  }
}
