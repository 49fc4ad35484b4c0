import type { Handler } from './http-types.ts';

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

/** `/history/{prompt_id}` style routes; a parameter matches one path segment, like aiohttp's. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  find(method: string, route: string): { handler: Handler; params: Record<string, string> } | null {
    const segments = route.split('/').filter(Boolean);
    for (const candidate of this.routes) {
      if (candidate.method !== method || candidate.parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = candidate.parts.every((part, i) => {
        const segment = segments[i] ?? '';
        if (part.startsWith(':')) {
          params[part.slice(1)] = safeDecode(segment);
          return true;
        }
        return part === segment;
      });
      if (ok) return { handler: candidate.handler, params };
    }
    return null;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
