export interface RequestMatcher {
  method?: string;
  /** A string matches the route (`/prompt`), the ComfyUI path (`/api/prompt`) or the full path; a RegExp is tested against the ComfyUI path. */
  path?: string | RegExp;
}

export interface FailResponse {
  status: number;
  body?: string;
  contentType?: string;
}

export interface RequestTarget {
  method: string;
  path: string;
  route: string;
  fullPath: string;
}

export function matches(matcher: RequestMatcher, target: RequestTarget): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== target.method) return false;
  if (matcher.path === undefined) return true;
  if (typeof matcher.path === 'string') {
    return matcher.path === target.route || matcher.path === target.path || matcher.path === target.fullPath;
  }
  return matcher.path.test(target.path);
}

interface Counted<T> {
  matcher: RequestMatcher;
  value: T;
  remaining: number;
}

/** Injected HTTP failures and delays, consumed in the order they were set up. */
export class RequestFaults {
  private failures: Counted<FailResponse>[] = [];
  private oneShotDelays: Counted<number>[] = [];
  private answerDelays: Counted<number>[] = [];
  private standingDelays: { matcher: RequestMatcher; ms: number }[] = [];

  failNext(matcher: RequestMatcher, response: FailResponse, times: number): void {
    this.failures.push({ matcher, value: response, remaining: times });
  }

  delayNext(matcher: RequestMatcher, ms: number, times: number): void {
    this.oneShotDelays.push({ matcher, value: ms, remaining: times });
  }

  delayAnswerNext(matcher: RequestMatcher, ms: number, times: number): void {
    this.answerDelays.push({ matcher, value: ms, remaining: times });
  }

  delay(matcher: RequestMatcher, ms: number): () => void {
    const entry = { matcher, ms };
    this.standingDelays.push(entry);
    return () => {
      this.standingDelays = this.standingDelays.filter((d) => d !== entry);
    };
  }

  takeFailure(target: RequestTarget): FailResponse | undefined {
    return take(this.failures, target);
  }

  takeDelay(target: RequestTarget): number {
    const standing = this.standingDelays.filter((d) => matches(d.matcher, target)).reduce((n, d) => n + d.ms, 0);
    return standing + (take(this.oneShotDelays, target) ?? 0);
  }

  takeAnswerDelay(target: RequestTarget): number {
    return take(this.answerDelays, target) ?? 0;
  }

  clear(): void {
    this.failures = [];
    this.oneShotDelays = [];
    this.answerDelays = [];
    this.standingDelays = [];
  }
}

function take<T>(list: Counted<T>[], target: RequestTarget): T | undefined {
  const index = list.findIndex((entry) => matches(entry.matcher, target));
  const entry = list[index];
  if (!entry) return undefined;
  if (--entry.remaining <= 0) list.splice(index, 1);
  return entry.value;
}
