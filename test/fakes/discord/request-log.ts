import type { UploadedFile } from './http-body.ts';
import { Waiters } from './waiters.ts';

export interface LoggedFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface LoggedRequest {
  method: string;
  /** Full URL path, percent-decoded (`/api/v10/webhooks/…/messages/@original`). */
  path: string;
  /** The path after `/api/v10`, or the full path for non-API requests (CDN, unknown). */
  route: string;
  query: Record<string, string>;
  /** The Authorization header as sent: tests assert where the token does and does not go. */
  auth: string | undefined;
  contentType: string | undefined;
  json?: unknown;
  payload?: unknown;
  files?: LoggedFile[];
  status: number;
  /** Date.now() when the request arrived. */
  at: number;
  /** Why the fake answered as it did, when it was not a routed success (404 no route, 429, forced…). */
  note?: string;
}

export function toLoggedFiles(files: UploadedFile[] | undefined): LoggedFile[] | undefined {
  return files?.map(({ name, contentType, bytes }) => ({ name, contentType, bytes }));
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  private readonly waiters = new Waiters<LoggedRequest>();

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    this.waiters.notify(entry);
  }

  waitFor(predicate: (request: LoggedRequest) => boolean, timeoutMs: number): Promise<LoggedRequest> {
    return this.waiters.wait(predicate, this.entries, timeoutMs, () => {
      const recent = this.entries
        .slice(-10)
        .map((r) => `  ${r.method} ${r.path} -> ${r.status}${r.note ? ` (${r.note})` : ''}`)
        .join('\n');
      return `waitForRequest: no matching request within ${timeoutMs} ms; ${this.entries.length} seen, the last ones:\n${recent || '  (none)'}`;
    });
  }

  close(): void {
    this.waiters.rejectAll('waitForRequest: the fake was stopped');
  }
}
