import type { z } from 'zod';

/** Something wrong with a workflow or its manifest, in words a server owner can act on. */
export interface Problem {
  /** The file to edit. */
  file: string;
  /** The manifest option concerned, when there is one. */
  option?: string;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** The model file the server lacks, when that is the problem (the file itself is fine). */
  model?: string;
}

export function formatProblem(p: Problem): string {
  const where = p.option === undefined ? p.file : `${p.file}, option "${p.option}"`;
  return `${where}: ${p.message}. Fix: ${p.fix}`;
}

/** `"a"`, a number, `an array`: how a value that was not expected is named in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${truncate(JSON.stringify(value))})`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

function truncate(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object',
};

/**
 * One zod issue as a sentence about the field it concerns. Parse with
 * `{ reportInput: true }` so the sentence can quote what was there.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? `"${issue.path.map(String).join('.')}" ` : '';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${field}is missing`;
      return `${field}must be ${KIND[issue.expected] ?? issue.expected} (got ${describeValue(issue.input)})`;
    case 'too_small':
      if (issue.origin === 'string') return `${field}must be at least ${issue.minimum} characters long`;
      if (issue.origin === 'array') return `${field}needs at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`;
      return `${field}must be at least ${issue.minimum} (got ${describeValue(issue.input)})`;
    case 'too_big':
      if (issue.origin === 'string') return `${field}must be at most ${issue.maximum} characters long`;
      if (issue.origin === 'array') return `${field}may have at most ${issue.maximum} entries`;
      return `${field}must be at most ${issue.maximum} (got ${describeValue(issue.input)})`;
    case 'unrecognized_keys':
      return `${issue.keys.length === 1 ? 'unknown field' : 'unknown fields'} ${issue.keys.map((k) => `"${k}"`).join(', ')}${issue.path.length > 0 ? ` in ${field.trim()}` : ''}`;
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && issue.options) {
        const input = issue.input;
        const got = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>)[issue.discriminator] : input;
        const where = issue.path.length > 0 ? field : `"${issue.discriminator}" `;
        return `${where}must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')} (got ${describeValue(got)})`;
      }
      return `${field}${issue.message}`;
    case 'invalid_value':
      return `${field}must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')} (got ${describeValue(issue.input)})`;
    case 'invalid_key': {
      // A record key that failed its own check: that check says why (e.g. not a Discord locale).
      const inner = issue.issues[0]?.message;
      return inner ? `${field}${inner}` : `${field}is not an allowed key`;
    }
    case 'not_multiple_of':
      return `${field}must be a multiple of ${issue.divisor} (got ${describeValue(issue.input)})`;
    default:
      // Custom checks write whole sentences that already name their field.
      return issue.message;
  }
}
