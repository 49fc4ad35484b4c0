import type { ApiWorkflow, ComfyErrorDetail, NodeErrors } from './schemas.ts';

export interface FailedRequest {
  method: string;
  /** Path and query, never the host's credentials or headers. */
  path: string;
}

/** Base of every error the ComfyUI client throws. */
export class ComfyError extends Error {
  override name = 'ComfyError';
  constructor(
    message: string,
    readonly code: string,
    readonly request?: FailedRequest,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why a server counts as unavailable: no connection, no answer in time, an error of its own, or an answer that is not ComfyUI's. */
export type UnavailableReason = 'unreachable' | 'timeout' | 'server_error' | 'bad_answer';

/** The server could not be reached or answered with something unusable (refused, timeout, 5xx, not JSON). */
export class ComfyUnavailableError extends ComfyError {
  override name = 'ComfyUnavailableError';
  readonly reason: UnavailableReason;
  constructor(message: string, request?: FailedRequest, readonly status?: number, options?: { cause?: unknown; timeout?: boolean }) {
    super(message, 'unavailable', request, options);
    this.reason = options?.timeout ? 'timeout' : status === undefined ? 'unreachable' : status >= 500 ? 'server_error' : 'bad_answer';
  }
}

export class ComfyNotFoundError extends ComfyError {
  override name = 'ComfyNotFoundError';
  constructor(message: string, request?: FailedRequest) {
    super(message, 'not_found', request);
  }
}

/**
 * A /view download that would be larger than the caller allowed (`maxBytes`):
 * nothing was written. `size` is the file's size when the server said it.
 */
export class ComfyFileTooLargeError extends ComfyError {
  override name = 'ComfyFileTooLargeError';
  constructor(
    message: string,
    readonly size: number | undefined,
    readonly maxBytes: number,
    request?: FailedRequest,
  ) {
    super(message, 'too_large', request);
  }
}

/** `preview=` or `channel=` asked of a file that is not a still image: ComfyUI would answer 500 (PIL cannot open it). */
export class ComfyNotAnImageError extends ComfyError {
  override name = 'ComfyNotAnImageError';
  constructor(filename: string) {
    super(
      `${filename} is not a still image: ComfyUI can only re-encode (preview=) or split the channels of (channel=) images, so download it as it is`,
      'not_an_image',
    );
  }
}

/** Any other 4xx: the request itself was refused (bad upload, too large, …). */
export class ComfyRequestError extends ComfyError {
  override name = 'ComfyRequestError';
  constructor(message: string, readonly status: number, request?: FailedRequest) {
    super(message, 'bad_request', request);
  }
}

/** POST /prompt answered 400: the workflow failed validation. */
export class ComfyValidationError extends ComfyError {
  override name = 'ComfyValidationError';
  constructor(
    readonly error: ComfyErrorDetail,
    readonly nodeErrors: NodeErrors,
    readonly workflow?: ApiWorkflow,
    request?: FailedRequest,
  ) {
    super(summarise(error, nodeErrors, workflow), error.type, request);
  }

  /** One line per problem, in words a person can act on. */
  lines(): string[] {
    return describeValidation(this.error, this.nodeErrors, this.workflow);
  }
}

function summarise(error: ComfyErrorDetail, nodeErrors: NodeErrors, workflow?: ApiWorkflow): string {
  return describeValidation(error, nodeErrors, workflow).join('\n');
}

/**
 * Renders a validation failure, e.g.
 * `KSampler (#3) steps: Failed to convert an input value to a INT value — got "many"`.
 */
export function describeValidation(error: ComfyErrorDetail, nodeErrors: NodeErrors, workflow?: ApiWorkflow): string[] {
  const lines: string[] = [];
  for (const [nodeId, nodeError] of Object.entries(nodeErrors)) {
    const title = workflow?.[nodeId]?._meta?.title;
    const who = title && title !== nodeError.class_type ? `${title} [${nodeError.class_type}]` : nodeError.class_type;
    for (const e of nodeError.errors) lines.push(`${who} (#${nodeId}) ${describeNodeProblem(e)}`);
  }
  if (lines.length === 0) {
    const details = error.details && error.details !== error.message ? ` (${error.details})` : '';
    lines.push(`${error.message}${details}`);
  }
  return lines;
}

function describeNodeProblem(e: ComfyErrorDetail): string {
  const input = typeof e.extra_info['input_name'] === 'string' ? `${e.extra_info['input_name']}: ` : '';
  if ('received_value' in e.extra_info) {
    return `${input}${e.message} — got ${JSON.stringify(e.extra_info['received_value'])}`;
  }
  return e.details ? `${input}${e.message} — ${e.details}` : `${input}${e.message}`;
}
