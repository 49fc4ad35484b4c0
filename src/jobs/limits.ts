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
    throw new UserError(
      `You already have ${active} job(s) running or waiting (the limit is ${limits.maxConcurrent}). Wait for one to finish or cancel one with /cancel.`,
    );
  }
  const recent = ledger.countSince(userId, now - 60_000);
  if (recent >= limits.perMinute) {
    throw new UserError(`You started ${recent} jobs in the last minute (the limit is ${limits.perMinute}). Try again in a minute.`);
  }
}
