// The fake's use of the OpenAPI check: every API request is checked on arrival, a request that
// does not conform is answered as Discord would (400 Invalid Form Body naming the field, 404,
// 405), and the fake's own answers are checked against the documented responses. Every
// violation is kept; the first one fails the test (see FakeDiscord).
import type { ParsedBody } from './http-body.ts';
import { DiscordOpenApi, describeViolation, type Operation, type Violation } from './openapi.ts';
import { errors, type RestResponse } from './rest-responses.ts';

export class ConformanceError extends Error {
  constructor(readonly violations: readonly Violation[]) {
    const more = violations.length > 1 ? `\n(and ${violations.length - 1} more; FakeDiscord.violations lists them)` : '';
    super(`A request or answer does not conform to Discord's OpenAPI description:\n${describeViolation(violations[0]!)}${more}`);
    this.name = 'ConformanceError';
  }
}

export interface CheckedArrival {
  operation?: Operation;
  /** Set when the request does not conform: what Discord would answer instead. */
  answer?: RestResponse;
}

export class Conformance {
  readonly violations: Violation[] = [];

  constructor(
    private readonly onViolation: (violation: Violation) => void,
    private readonly api = DiscordOpenApi.shared(),
  ) {}

  checkRequest(request: { method: string; segments: string[]; query: Record<string, string>; contentType: string | undefined; body: ParsedBody }): CheckedArrival {
    const { body } = request;
    const fileFields = body.files?.map((f) => f.field);
    const { operation, violations } = this.api.checkRequest({
      method: request.method,
      segments: request.segments,
      query: request.query,
      contentType: request.contentType,
      ...(body.json !== undefined ? { json: body.json } : {}),
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
      ...(body.fields ? { fields: body.fields } : {}),
      ...(fileFields ? { fileFields } : {}),
    });
    if (body.error) {
      const request_ = `${request.method} /${request.segments.join('/')}`;
      violations.push({ request: request_, ...(operation ? { operation: operation.label } : {}), part: 'body', pointer: '', rule: 'content', message: body.error });
    }
    for (const violation of violations) this.record(violation);
    const first = violations[0];
    return { ...(operation ? { operation } : {}), ...(first ? { answer: answerFor(first) } : {}) };
  }

  /** The fake's own answer, which must be one the description documents. */
  checkResponse(operation: Operation, response: RestResponse): void {
    for (const violation of this.api.checkResponse(operation, response.status, response.json)) this.record(violation);
  }

  /** Removes and returns what was recorded: for tests that send a non-conforming request on purpose. */
  take(): Violation[] {
    return this.violations.splice(0);
  }

  get error(): ConformanceError | undefined {
    return this.violations.length > 0 ? new ConformanceError(this.violations) : undefined;
  }

  private record(violation: Violation): void {
    this.violations.push(violation);
    this.onViolation(violation);
  }
}

// Discord's codes for the common rules, so the bot's log reads like it would against Discord.
const FIELD_CODES: Record<string, string> = {
  required: 'BASE_TYPE_REQUIRED',
  maxLength: 'BASE_TYPE_MAX_LENGTH',
  maxItems: 'BASE_TYPE_MAX_LENGTH',
  minLength: 'BASE_TYPE_MIN_LENGTH',
  minItems: 'BASE_TYPE_MIN_LENGTH',
  maximum: 'NUMBER_TYPE_MAX',
  minimum: 'NUMBER_TYPE_MIN',
  enum: 'BASE_TYPE_CHOICES',
  const: 'BASE_TYPE_CHOICES',
  pattern: 'NUMBER_TYPE_COERCE',
};

/**
 * What Discord answers: 404 for a route it does not have, 405 for a method, else 400 code 50035
 * with `errors` shaped like the body (`{data: {content: {_errors: [...]}}}`). Discord's `_errors`
 * carry string codes such as BASE_TYPE_MAX_LENGTH although the description types them as
 * integers; this answer follows Discord, and so is not itself checked against the description.
 */
function answerFor(violation: Violation): RestResponse {
  const note = `does not conform: ${describeViolation(violation)}`;
  if (violation.part === 'route') return { ...errors.notFound('no such route'), note };
  if (violation.part === 'method') return { ...errors.methodNotAllowed(), note };
  const leaf = { _errors: [{ code: FIELD_CODES[violation.rule.split(' ')[0]!] ?? 'BASE_TYPE_INVALID', message: `${violation.rule}: ${violation.message}` }] };
  const path = violation.pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  const tree = path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);
  return { status: 400, json: { message: 'Invalid Form Body', code: 50035, errors: path.length ? tree : leaf }, note };
}
