export interface RequestMatcher {
  method?: string;
  /** A string matches the full decoded path or the route after `/api/v10`; a RegExp is tested against the full path. */
  path?: string | RegExp;
}

export interface ForcedResponse {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

interface Override {
  matcher: RequestMatcher;
  response: ForcedResponse;
  remaining: number;
}

export function matchesRequest(matcher: RequestMatcher, method: string, path: string, route: string): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== method) return false;
  if (matcher.path === undefined) return true;
  if (typeof matcher.path === 'string') return matcher.path === path || matcher.path === route;
  return matcher.path.test(path);
}

/** Canned answers for error-path tests, consumed in the order they were queued. */
export class ResponseOverrides {
  private readonly queue: Override[] = [];

  add(matcher: RequestMatcher, response: ForcedResponse, times: number): void {
    this.queue.push({ matcher, response, remaining: times });
  }

  take(method: string, path: string, route: string): ForcedResponse | undefined {
    const index = this.queue.findIndex((o) => matchesRequest(o.matcher, method, path, route));
    const override = this.queue[index];
    if (!override) return undefined;
    override.remaining -= 1;
    if (override.remaining <= 0) this.queue.splice(index, 1);
    return override.response;
  }
}
