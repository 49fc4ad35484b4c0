export interface LoggedFile {
  name: string;
  type: string;
  bytes: Buffer;
}

export interface LoggedRequest {
  method: string;
  /** The path as ComfyUI sees it, after the proxy prefix: `/prompt` or `/api/prompt`. */
  path: string;
  /** The path without the `/api` prefix, the same for both spellings: `/prompt`. */
  route: string;
  /** The path as sent, proxy prefix included. */
  fullPath: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  json?: unknown;
  form?: { fields: Record<string, string>; files: Record<string, LoggedFile> };
  status: number;
}

interface Waiter {
  match: (request: LoggedRequest) => boolean;
  resolve: (request: LoggedRequest) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  private waiters: Waiter[] = [];

  add(request: LoggedRequest): void {
    this.entries.push(request);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(request)) return true;
      clearTimeout(w.timer);
      w.resolve(request);
      return false;
    });
  }

  waitFor(match: (request: LoggedRequest) => boolean, timeoutMs: number): Promise<LoggedRequest> {
    const seen = this.entries.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        const recent = this.entries.slice(-10).map((r) => `${r.method} ${r.fullPath} -> ${r.status}`);
        reject(
          new Error(
            `FakeComfy.waitForRequest: no matching request within ${timeoutMs} ms` +
              (recent.length ? `; last requests: ${recent.join(', ')}` : '; no requests at all'),
          ),
        );
      }, timeoutMs);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  rejectWaiters(reason: string): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(reason));
    }
    this.waiters = [];
  }
}
