import type { IncomingHttpHeaders } from 'node:http';
import { pyJson } from './py-json.ts';
import { INTERNAL_ERROR_TEXT } from './recorded.ts';

export interface ComfyRequest {
  method: string;
  /** Path without proxy prefix and without `/api`. */
  route: string;
  params: Record<string, string>;
  /** First value of each query parameter, as aiohttp's `query.get` gives it. */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Parsed when the body is multipart/form-data; null if that failed. */
  form: FormData | null;
}

export interface Reply {
  status: number;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (request: ComfyRequest) => Reply | Promise<Reply>;

export const JSON_TYPE = 'application/json; charset=utf-8';

/** aiohttp's web.json_response, with json.dumps' formatting. */
export function jsonReply(value: unknown, status = 200): Reply {
  return { status, body: pyJson(value), contentType: JSON_TYPE };
}

/** A ready JSON text (object_info is rendered once and cached). */
export function jsonTextReply(text: string, status = 200): Reply {
  return { status, body: text, contentType: JSON_TYPE };
}

/** aiohttp's web.Response(status=...): no body, no content type. */
export function emptyReply(status = 200): Reply {
  return { status };
}

/** What aiohttp answers when a handler raises. */
export function serverError(): Reply {
  return { status: 500, body: INTERNAL_ERROR_TEXT, contentType: 'text/plain; charset=utf-8' };
}

/** The real server's answer to an unknown route (GET /interrupt included). */
export function notFound(): Reply {
  return { status: 404, contentType: 'application/octet-stream' };
}

/** `await request.json()`: any body, JSON or not; a parse failure is the caller's 500. */
export function bodyText(request: ComfyRequest): string {
  return request.body.toString('utf8');
}
