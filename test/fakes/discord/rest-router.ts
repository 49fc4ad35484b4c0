import type { ParsedBody } from './http-body.ts';
import { errors, type RestResponse } from './rest-responses.ts';

export interface RestRequest {
  method: string;
  /** Decoded path after `/api/v10`. */
  route: string;
  query: Record<string, string>;
  auth: string | undefined;
  body: ParsedBody;
}

export type RouteParams = Record<string, string>;
export type RouteHandler = (req: RestRequest, params: RouteParams) => RestResponse | Promise<RestResponse>;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

/** Segment-wise matching on already decoded segments, so `%40original` and emoji arrive readable. */
export class RestRouter {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  async handle(req: RestRequest, segments: string[]): Promise<RestResponse> {
    let pathExists = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method !== req.method) {
        pathExists = true;
        continue;
      }
      return route.handler(req, params);
    }
    return pathExists ? errors.methodNotAllowed() : errors.notFound('no route');
  }
}

function matchParts(parts: string[], segments: string[]): RouteParams | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: RouteParams = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}
