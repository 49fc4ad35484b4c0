// Checks a request to Discord, and Discord's answer, against Discord's own OpenAPI description
// (../shared/discord-api/openapi.json, OpenAPI 3.1, JSON Schema draft 2020-12): the route
// template (path parameters such as {channel_id} are snowflakes), the method, the query, and
// the JSON body or multipart `payload_json` against the operation's requestBody schema.
//
// The schemas are compiled with ajv, lazily: one operation's request or response schema the
// first time a request for it arrives (the description is 1.2 MB; compiling all of it would cost
// more than a test file). Each compiled validator is kept for the process and written as
// standalone code to node_modules/.cache, so the other test files (each runs in its own process)
// and later runs load it in milliseconds instead of compiling it again in seconds. The cache's
// folder is named by a hash of the description, this file and ajv's version.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { REPO_ROOT } from '../../support/recordings.ts';

export const DISCORD_OPENAPI_PATH = resolve(REPO_ROOT, '../shared/discord-api/openapi.json');
const CACHE_ROOT = resolve(REPO_ROOT, 'node_modules/.cache/discord-openapi');

const require = createRequire(import.meta.url);
const standaloneCode = require('ajv/dist/standalone') as (ajv: Ajv2020, validate: ValidateFunction) => string;

/** One way a request (or an answer) departs from the description. */
export interface Violation {
  /** The request as received, e.g. `PATCH /webhooks/123/aW50…/messages/@original` (long tokens shortened). */
  request: string;
  /** The operation it matched, e.g. `PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original (update_original_webhook_message)`. */
  operation?: string;
  part: 'route' | 'method' | 'path' | 'query' | 'body' | 'response';
  /** JSON pointer into the part: `/data/content` of the body, `/channel_id` of the path, `/wait` of the query. */
  pointer: string;
  /** The rule of the schema, e.g. `maxLength 2000`, `type string`, `required`. */
  rule: string;
  /** What is wrong, with the value's size or the value itself. */
  message: string;
}

export function describeViolation(v: Violation): string {
  const where = v.part === 'route' || v.part === 'method' ? '' : ` ${v.part} ${v.pointer || '(root)'}`;
  return `${v.request}${v.operation ? ` [${v.operation}]` : ''}:${where} breaks ${v.rule}: ${v.message}`;
}

/** The request as the fake received it, decoded. */
export interface CheckedRequest {
  method: string;
  /** Decoded path segments after `/api/v10`. */
  segments: string[];
  query: Record<string, string>;
  contentType: string | undefined;
  json?: unknown;
  /** Multipart: the parsed `payload_json` part, the other text parts, and the file parts' field names. */
  payload?: unknown;
  fields?: Record<string, string>;
  fileFields?: string[];
}

/** A matched operation of the description. */
export interface Operation {
  template: string;
  method: string;
  operationId: string;
  label: string;
}

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
  $ref?: string;
}

interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses?: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}

type PathItem = { parameters?: OpenApiParameter[] } & Record<string, OpenApiOperation | OpenApiParameter[] | undefined>;

interface Spec {
  paths: Record<string, PathItem>;
  components: Record<string, Record<string, unknown>>;
}

interface Template {
  path: string;
  /** A literal segment, or `null` where a path parameter goes (its name in `names`). */
  parts: Array<string | null>;
  names: string[];
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

// The description's formats. Standalone code cannot carry format functions, so the checks they
// stand for are added to the schemas as plain keywords (see checkFormats); ajv knows the names.
const FORMATS = { int32: true, int64: true, double: true, snowflake: true, nonce: true, uri: true, 'date-time': true } as const;
const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
const FORMAT_PATTERNS: Record<string, string> = {
  'date-time': '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?([Zz]|[+-]\\d\\d:\\d\\d)$',
  uri: '^[A-Za-z][A-Za-z0-9+.-]*:\\S*$',
};

const SPEC_ID = 'discord-openapi';

/** Per-process: reading the description and compiling its schemas is done once, then shared by every fake. */
export class DiscordOpenApi {
  private static instance: DiscordOpenApi | undefined;

  static shared(): DiscordOpenApi {
    DiscordOpenApi.instance ??= new DiscordOpenApi(DISCORD_OPENAPI_PATH);
    return DiscordOpenApi.instance;
  }

  private specCache: Spec | undefined;
  private ajvCache: Ajv2020 | undefined;
  private cacheDirCache: string | null | undefined;
  private templatesBySize: Map<number, Template[]> | undefined;
  private readonly validators = new Map<string, ValidateFunction>();
  /** Time spent compiling, loading compiled validators, and checking (which includes both), for the suite's budget. */
  readonly stats = { compiles: 0, compileMs: 0, loads: 0, loadMs: 0, checks: 0, checkMs: 0 };

  /** `cacheRoot`: where compiled validators are kept between processes; null keeps them in memory only. */
  constructor(
    private readonly file: string,
    private readonly cacheRoot: string | null = CACHE_ROOT,
  ) {}

  private get spec(): Spec {
    this.specCache ??= JSON.parse(readFileSync(this.file, 'utf8')) as Spec;
    return this.specCache;
  }

  private get ajv(): Ajv2020 {
    if (!this.ajvCache) {
      // strict: false because the description carries its own annotations (x-discord-union);
      // inlineRefs: false compiles each component once and shares it between operations;
      // code.source keeps the code, for the cache.
      const ajv = new Ajv2020({ strict: false, allErrors: false, inlineRefs: false, validateSchema: false, formats: FORMATS, code: { source: true } });
      discriminateUnions(this.spec, (ref) => this.resolve(ref));
      checkFormats(this.spec);
      // The whole document under one id, so `#/components/schemas/…` refs resolve inside it.
      ajv.addSchema(this.spec, SPEC_ID);
      this.ajvCache = ajv;
    }
    return this.ajvCache;
  }

  /** The operation template the segments belong to: literal segments (`@me`, `@original`) win over parameters. */
  match(segments: string[]): { template: Template; params: Record<string, string> } | undefined {
    this.templatesBySize ??= indexTemplates(Object.keys(this.spec.paths));
    let best: Template | undefined;
    for (const template of this.templatesBySize.get(segments.length) ?? []) {
      if (!template.parts.every((part, i) => part === null || part === segments[i])) continue;
      if (!best || moreSpecific(template, best)) best = template;
    }
    if (!best) return undefined;
    const params: Record<string, string> = {};
    let n = 0;
    for (const [i, part] of best.parts.entries()) if (part === null) params[best.names[n++]!] = segments[i]!;
    return { template: best, params };
  }

  /** The request's violations (empty when it conforms) and the operation it matched, if any. */
  checkRequest(req: CheckedRequest): { operation?: Operation; violations: Violation[] } {
    const started = performance.now();
    try {
      return this.checkRequestUntimed(req);
    } finally {
      this.stats.checks += 1;
      this.stats.checkMs += performance.now() - started;
    }
  }

  private checkRequestUntimed(req: CheckedRequest): { operation?: Operation; violations: Violation[] } {
    const request = `${req.method} /${req.segments.map(shorten).join('/')}`;
    const matched = this.match(req.segments);
    if (!matched) {
      return { violations: [{ request, part: 'route', pointer: '', rule: 'paths', message: 'no route of the description has this shape' }] };
    }
    const item = this.spec.paths[matched.template.path]!;
    const method = req.method.toLowerCase();
    const op = item[method] as OpenApiOperation | undefined;
    if (!op || !METHODS.includes(method)) {
      const allowed = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
      return {
        violations: [{ request, part: 'method', pointer: '', rule: `methods ${allowed.join(', ')}`, message: `${matched.template.path} has no ${req.method}` }],
      };
    }
    const operation: Operation = {
      template: matched.template.path,
      method,
      operationId: op.operationId ?? '',
      label: `${req.method} ${matched.template.path}${op.operationId ? ` (${op.operationId})` : ''}`,
    };
    const base = { request, operation: operation.label };
    const opPointer = `/paths/${escapePointer(matched.template.path)}/${method}`;
    const violations: Violation[] = [];

    // Path and query parameters; an operation's own parameter overrides the path item's.
    const params = new Map<string, { param: OpenApiParameter; pointer: string }>();
    for (const [list, pointer] of [
      [item.parameters, `/paths/${escapePointer(matched.template.path)}/parameters`],
      [op.parameters, `${opPointer}/parameters`],
    ] as const) {
      for (const [i, raw] of (list ?? []).entries()) {
        const resolved = raw.$ref ? { param: this.resolve(raw.$ref) as OpenApiParameter, pointer: raw.$ref.slice(1) } : { param: raw, pointer: `${pointer}/${i}` };
        params.set(`${resolved.param.in}:${resolved.param.name}`, resolved);
      }
    }
    for (const [name, value] of Object.entries(matched.params)) {
      const declared = params.get(`path:${name}`);
      if (!declared) continue;
      const error = this.firstError(`${declared.pointer}/schema`, value);
      if (error) violations.push({ ...base, part: 'path', ...toViolationParts(error, value, `/${name}`) });
    }
    for (const [name, raw] of Object.entries(req.query)) {
      const declared = params.get(`query:${name}`);
      if (!declared) {
        violations.push({ ...base, part: 'query', pointer: `/${escapePointer(name)}`, rule: 'parameters', message: `the operation has no query parameter "${name}"` });
        continue;
      }
      const value = coerceQuery(raw, this.schemaType(declared.param.schema));
      const error = this.firstError(`${declared.pointer}/schema`, value);
      if (error) violations.push({ ...base, part: 'query', ...toViolationParts(error, value, `/${escapePointer(name)}`) });
    }
    for (const { param } of params.values()) {
      if (param.in === 'query' && param.required && !(param.name in req.query)) {
        violations.push({ ...base, part: 'query', pointer: `/${escapePointer(param.name)}`, rule: 'required', message: 'a required query parameter is missing' });
      }
    }

    violations.push(...this.checkBody(req, op, opPointer, base));
    return { operation, violations };
  }

  private checkBody(req: CheckedRequest, op: OpenApiOperation, opPointer: string, base: { request: string; operation: string }): Violation[] {
    const multipart = req.payload !== undefined || req.fields !== undefined || req.fileFields !== undefined;
    const hasBody = req.json !== undefined || multipart;
    const mediaType = req.contentType?.split(';')[0]?.trim().toLowerCase();
    if (!op.requestBody) {
      return hasBody ? [{ ...base, part: 'body', pointer: '', rule: 'requestBody', message: `the operation takes no body, but ${mediaType} was sent` }] : [];
    }
    if (!hasBody) {
      return op.requestBody.required ? [{ ...base, part: 'body', pointer: '', rule: 'requestBody required', message: 'the operation needs a body and none was sent' }] : [];
    }
    if (!mediaType || !(mediaType in op.requestBody.content)) {
      const accepted = Object.keys(op.requestBody.content).join(', ');
      return [{ ...base, part: 'body', pointer: '', rule: `content ${accepted}`, message: `sent as ${mediaType ?? 'no content type'}` }];
    }
    let instance: unknown = req.json;
    if (multipart) {
      if (req.payload !== undefined && (typeof req.payload !== 'object' || req.payload === null || Array.isArray(req.payload))) {
        return [{ ...base, part: 'body', pointer: '', rule: 'type object', message: 'payload_json must be a JSON object' }];
      }
      // payload_json carries the JSON fields; other parts are fields of their own, files are binary strings.
      instance = {
        ...(req.payload as Record<string, unknown> | undefined),
        ...req.fields,
        ...Object.fromEntries((req.fileFields ?? []).map((f) => [f, '(binary)'])),
      };
    }
    const error = this.firstError(`${opPointer}/requestBody/content/${escapePointer(mediaType)}/schema`, instance);
    return error ? [{ ...base, part: 'body', ...toViolationParts(error, instance, '') }] : [];
  }

  /** The answer's departures from the operation's documented responses (status, then the JSON body's schema). */
  checkResponse(operation: Operation, status: number, json: unknown): Violation[] {
    const started = performance.now();
    try {
      const op = this.spec.paths[operation.template]![operation.method] as OpenApiOperation;
      const responses = op.responses ?? {};
      const base = { request: `${operation.method.toUpperCase()} ${operation.template} answered ${status}`, operation: operation.label, part: 'response' as const };
      const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
      if (!key) {
        return [{ ...base, pointer: '', rule: `responses ${Object.keys(responses).join(', ')}`, message: `status ${status} is not a documented answer` }];
      }
      let pointer = `/paths/${escapePointer(operation.template)}/${operation.method}/responses/${escapePointer(key)}`;
      let response = responses[key]!;
      if (response.$ref) {
        pointer = response.$ref.slice(1);
        response = this.resolve(response.$ref) as typeof response;
      }
      const schema = response.content?.['application/json'];
      if (!schema) {
        return json === undefined ? [] : [{ ...base, pointer: '', rule: `responses ${key} without content`, message: 'the answer has a body where the description has none' }];
      }
      if (json === undefined) return [{ ...base, pointer: '', rule: `responses ${key} application/json`, message: 'the answer has no JSON body' }];
      const error = this.firstError(`${pointer}/content/application~1json/schema`, json);
      return error ? [{ ...base, ...toViolationParts(error, json, '') }] : [];
    } finally {
      this.stats.checks += 1;
      this.stats.checkMs += performance.now() - started;
    }
  }

  /** The most telling error of the schema at `pointer` for `value`, or undefined when it conforms. */
  private firstError(pointer: string, value: unknown): ErrorObject | undefined {
    const validate = this.validator(pointer);
    if (validate(value)) return undefined;
    return mostTelling(validate.errors ?? []);
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (validate) return validate;
    const started = performance.now();
    const cached = this.cacheDir ? join(this.cacheDir, `${sha1(pointer)}.cjs`) : undefined;
    validate = cached && existsSync(cached) ? loadCompiled(cached) : undefined;
    if (validate) {
      this.stats.loads += 1;
      this.stats.loadMs += performance.now() - started;
    } else {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}#${pointer.split('/').map(encodeURIComponent).join('/')}` });
      if (cached) writeAtomically(cached, standaloneCode(this.ajv, validate));
      this.stats.compiles += 1;
      this.stats.compileMs += performance.now() - started;
    }
    this.validators.set(pointer, validate);
    return validate;
  }

  /** node_modules/.cache/discord-openapi/<hash of the description, this file and ajv's version>. */
  private get cacheDir(): string | null {
    if (this.cacheDirCache === undefined) {
      if (this.cacheRoot === null) this.cacheDirCache = null;
      else {
        const hash = createHash('sha1')
          .update(readFileSync(this.file))
          .update(readFileSync(fileURLToPath(import.meta.url)))
          .update((require('ajv/package.json') as { version: string }).version)
          .digest('hex')
          .slice(0, 16);
        this.cacheDirCache = join(this.cacheRoot, hash);
      }
    }
    return this.cacheDirCache;
  }

  private resolve(ref: string): unknown {
    let node: unknown = this.spec;
    for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[unescapePointer(part)];
    return node;
  }

  private schemaType(schema: unknown): string | undefined {
    const s = (schema as { $ref?: string; type?: unknown } | undefined) ?? {};
    const resolved = (s.$ref ? this.resolve(s.$ref) : s) as { type?: unknown };
    const type: unknown = Array.isArray(resolved.type) ? resolved.type.find((t) => t !== 'null') : resolved.type;
    return typeof type === 'string' ? type : undefined;
  }
}

/**
 * Most unions of the description are tagged by a `type` field (components, interaction callbacks):
 * `oneOf: [ActionRow, Container, …]`. A plain oneOf reports every branch's error; this turns each
 * such union (tags disjoint, `type` required in every branch) into "type is one of the tags, and
 * if it is this branch's tag, then the branch": the same values pass, and a failure is reported
 * from the branch the value's type chose, or as the type itself when no branch has it.
 */
function discriminateUnions(root: unknown, resolve: (ref: string) => unknown): void {
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const schema = node as Record<string, unknown>;
    for (const value of Object.values(schema)) visit(value);
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const branches = schema[keyword];
      if (!Array.isArray(branches)) continue;
      const tags = branches.map((b) => branchTags(b, resolve));
      const all = tags.flat();
      if (tags.some((t) => t === undefined) || new Set(all).size !== all.length) continue;
      delete schema[keyword];
      schema['allOf'] = [
        ...((schema['allOf'] as unknown[] | undefined) ?? []),
        { required: ['type'], properties: { type: { enum: all } } },
        ...branches.map((branch: unknown, i) => ({ if: { properties: { type: { enum: tags[i] } } }, then: branch })),
      ];
    }
  };
  visit(root);
}

/** What the description's formats mean, as keywords: int32 ranges, date-time and uri shapes. */
function checkFormats(root: unknown): void {
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    for (const value of Object.values(node)) visit(value);
    if (Array.isArray(node)) return;
    const schema = node as Record<string, unknown>;
    const format = schema['format'];
    if (format === 'int32') {
      schema['minimum'] = Math.max(INT32.minimum, (schema['minimum'] as number | undefined) ?? -Infinity);
      schema['maximum'] = Math.min(INT32.maximum, (schema['maximum'] as number | undefined) ?? Infinity);
    } else if (typeof format === 'string' && FORMAT_PATTERNS[format] && schema['pattern'] === undefined) {
      schema['pattern'] = FORMAT_PATTERNS[format];
    }
  };
  visit(root);
}

/** The `type` values a union branch accepts, when it requires `type` and pins it with const or enum. */
function branchTags(branch: unknown, resolve: (ref: string) => unknown): Array<string | number> | undefined {
  let schema = branch as { $ref?: string; required?: string[]; properties?: Record<string, { const?: unknown; enum?: unknown[] }> } | undefined;
  for (let hops = 0; schema?.$ref && hops < 10; hops++) schema = resolve(schema.$ref) as typeof schema;
  const type = schema?.properties?.['type'];
  if (!type || !schema?.required?.includes('type')) return undefined;
  const values = type.const !== undefined ? [type.const] : type.enum;
  if (!values?.length || !values.every((v) => typeof v === 'string' || typeof v === 'number')) return undefined;
  return values;
}

function indexTemplates(paths: string[]): Map<number, Template[]> {
  const bySize = new Map<number, Template[]>();
  for (const path of paths) {
    const names: string[] = [];
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((part) => {
        const param = /^\{(\w+)\}$/.exec(part);
        if (!param) return part;
        names.push(param[1]!);
        return null;
      });
    const list = bySize.get(parts.length) ?? [];
    list.push({ path, parts, names });
    bySize.set(parts.length, list);
  }
  return bySize;
}

/** `/users/@me` over `/users/{user_id}`: at the first place they differ, the literal wins. */
function moreSpecific(a: Template, b: Template): boolean {
  for (const [i, part] of a.parts.entries()) {
    const other = b.parts[i];
    if ((part === null) !== (other === null)) return part !== null;
  }
  return false;
}

// Query strings carry text; the description types them (booleans, integers).
function coerceQuery(raw: string, type: string | undefined): unknown {
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if ((type === 'integer' || type === 'number') && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  return raw;
}

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'not', 'if']);

/**
 * ajv reports every branch of an anyOf/oneOf that failed; the branch that got furthest into
 * the value is the one the sender meant, so the deepest error names the field and the rule.
 */
function mostTelling(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  let bestDepth = -1;
  for (const error of errors) {
    const depth = errorPointer(error).split('/').length - (COMBINATORS.has(error.keyword) ? 0.5 : 0);
    if (depth > bestDepth) {
      best = error;
      bestDepth = depth;
    }
  }
  return best;
}

function errorPointer(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `${error.instancePath}/${escapePointer(String(params['missingProperty']))}`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${escapePointer(String(params['additionalProperty']))}`;
  return error.instancePath;
}

function toViolationParts(error: ErrorObject, root: unknown, prefix: string): { pointer: string; rule: string; message: string } {
  const params = error.params as Record<string, unknown>;
  const rule = ruleOf(error.keyword, params);
  const pointer = `${prefix}${errorPointer(error)}`;
  if (error.keyword === 'required') return { pointer, rule, message: 'missing' };
  if (error.keyword === 'additionalProperties') return { pointer, rule, message: 'not a field of this object' };
  return { pointer, rule, message: `${error.message ?? 'invalid'} (got ${summarise(at(root, error.instancePath))})` };
}

function ruleOf(keyword: string, params: Record<string, unknown>): string {
  switch (keyword) {
    case 'maxLength':
    case 'minLength':
    case 'maxItems':
    case 'minItems':
    case 'maxProperties':
    case 'minProperties':
      return `${keyword} ${String(params['limit'])}`;
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return `${keyword} ${String(params['limit'])}`;
    case 'type':
      return `type ${Array.isArray(params['type']) ? (params['type'] as string[]).join('|') : String(params['type'])}`;
    case 'enum':
      return `enum ${JSON.stringify(params['allowedValues'])}`;
    case 'const':
      return `const ${JSON.stringify(params['allowedValue'])}`;
    case 'pattern':
      return `pattern ${String(params['pattern'])}`;
    case 'format':
      return `format ${String(params['format'])}`;
    case 'additionalProperties':
      return 'additionalProperties false';
    default:
      return keyword;
  }
}

function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[unescapePointer(part)];
  }
  return node;
}

function summarise(value: unknown): string {
  if (typeof value === 'string') {
    const length = [...value].length;
    return length > 40 ? `a string of ${length} characters: ${JSON.stringify(value.slice(0, 30))}…` : `${JSON.stringify(value)}, ${length} characters`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with ${Object.keys(value).join(', ') || 'no fields'}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function loadCompiled(file: string): ValidateFunction | undefined {
  try {
    return require(file) as ValidateFunction;
  } catch {
    return undefined; // half-written by a process that died, or from another ajv: compiled again
  }
}

// Test files run in parallel processes: each writes its own temporary file and renames it into
// place, so a reader never sees half a file and the last writer wins with identical code.
function writeAtomically(file: string, code: string): void {
  try {
    mkdirSync(resolve(file, '..'), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, file);
  } catch {
    // A read-only checkout: the validator still works, it is just not kept.
  }
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Interaction tokens are hundreds of characters; a message names them by their start. */
function shorten(segment: string): string {
  return segment.length > 32 ? `${segment.slice(0, 12)}…` : segment;
}
