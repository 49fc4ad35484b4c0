import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cdn } from './cdn.ts';
import type { Conformance } from './conformance.ts';
import { parseBody, readBody, type ParsedBody } from './http-body.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { toLoggedFiles, type LoggedRequest, type RequestLog } from './request-log.ts';
import type { ResponseOverrides } from './response-overrides.ts';
import { errors, type RestResponse } from './rest-responses.ts';
import type { RestRouter } from './rest-router.ts';

export interface HttpPipeline {
  log: RequestLog;
  overrides: ResponseOverrides;
  limiter: RateLimiter;
  router: RestRouter;
  cdn: Cdn;
  /** When set, only `Bot <token>` is accepted on authenticated routes. */
  token: string | undefined;
  /** When set, every API request and the answer to it are checked against Discord's OpenAPI description. */
  conformance: Conformance | undefined;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  note?: string;
}

// Interaction callbacks and webhook calls are authorised by the interaction token in the path.
const TOKEN_AUTHORISED = /^\/(interactions\/[^/]+\/[^/]+\/callback|webhooks\/[^/]+\/[^/]+(\/.*)?)$/;
// Discord exempts the interaction endpoints from the global rate limit: the callback and the
// interaction webhook (original response and follow-ups), all authorised by the interaction token.
const RATE_LIMIT_EXEMPT = /^\/(interactions\/|webhooks\/[^/]+\/[^/]+)/;

export function createRequestHandler(pipeline: HttpPipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(pipeline, req, res).catch((error: unknown) => {
      console.error('[fake-discord] request handling failed', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

async function handle(pipeline: HttpPipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const at = Date.now();
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeSegment);
  const path = `/${segments.join('/')}`;
  const method = req.method ?? 'GET';
  const isApi = segments[0] === 'api' && segments[1] === 'v10';
  const route = isApi ? `/${segments.slice(2).join('/')}` : path;
  const auth = req.headers.authorization;
  const contentType = req.headers['content-type'];
  const body = await parseBody(await readBody(req), contentType);
  const query = Object.fromEntries(url.searchParams);

  const entry: LoggedRequest = { method, path, route, query, auth, contentType, status: 0, at };
  if (body.json !== undefined) entry.json = body.json;
  if (body.payload !== undefined) entry.payload = body.payload;
  const files = toLoggedFiles(body.files);
  if (files) entry.files = files;

  let answer: Answer;
  if (!isApi && segments[0] === 'attachments') {
    answer = pipeline.cdn.serve(method, path, segments, auth);
  } else if (!isApi) {
    answer = toAnswer(errors.notFound(segments[0] === 'api' ? 'only API v10 is served' : 'not an API path'));
  } else {
    answer = toAnswer(await routeApi(pipeline, { method, path, route, query, auth, contentType, body, segments: segments.slice(2) }));
  }

  entry.status = answer.status;
  if (answer.note) entry.note = answer.note;
  pipeline.log.add(entry);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.status === 204 || method === 'HEAD' ? undefined : answer.body);
}

async function routeApi(
  pipeline: HttpPipeline,
  request: {
    method: string;
    path: string;
    route: string;
    query: Record<string, string>;
    auth: string | undefined;
    contentType: string | undefined;
    body: ParsedBody;
    segments: string[];
  },
): Promise<RestResponse> {
  // Checked before anything else so that every request is, whatever it is answered.
  const arrival = pipeline.conformance?.checkRequest(request);
  const forced = pipeline.overrides.take(request.method, request.path, request.route);
  if (forced) return { ...forced, note: 'respondNext' };

  const response = await answerApi(pipeline, request, arrival?.answer);
  // The fake's own answers must be Discord's too; 5xx are not described, and the answer to a
  // non-conforming request follows Discord where the description differs (see conformance.ts).
  if (arrival?.operation && !arrival.answer && response.status < 500) pipeline.conformance?.checkResponse(arrival.operation, response);
  return response;
}

async function answerApi(
  pipeline: HttpPipeline,
  request: { method: string; route: string; query: Record<string, string>; auth: string | undefined; body: ParsedBody; segments: string[] },
  nonConforming: RestResponse | undefined,
): Promise<RestResponse> {
  if (!RATE_LIMIT_EXEMPT.test(request.route)) {
    const verdict = pipeline.limiter.check();
    if (verdict.limited) return { status: 429, ...pipeline.limiter.response(verdict), note: 'rate limited' };
  }

  if (!TOKEN_AUTHORISED.test(request.route) && !authorised(request.auth, pipeline.token)) return errors.unauthorized();
  if (request.body.error) return errors.invalidFormBody(request.body.error);
  if (nonConforming) return nonConforming;

  try {
    return await pipeline.router.handle(
      { method: request.method, route: request.route, query: request.query, auth: request.auth, body: request.body },
      request.segments,
    );
  } catch (error) {
    // A bug in the fake must not look like a Discord answer the bot could handle.
    console.error('[fake-discord] route handler threw', error);
    return { status: 500, json: { message: '500: Internal Server Error', code: 0 }, note: `fake bug: ${(error as Error).message}` };
  }
}

function authorised(auth: string | undefined, token: string | undefined): boolean {
  if (!auth?.startsWith('Bot ')) return false;
  return token === undefined || auth === `Bot ${token}`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toAnswer(response: RestResponse): Answer {
  const headers: Record<string, string> = { ...response.headers };
  if (response.json === undefined) return { status: response.status, headers, body: Buffer.alloc(0), ...(response.note ? { note: response.note } : {}) };
  headers['content-type'] = 'application/json';
  return {
    status: response.status,
    headers,
    body: Buffer.from(JSON.stringify(response.json)),
    ...(response.note ? { note: response.note } : {}),
  };
}
