import { readFile } from 'node:fs/promises';
import { ApiWorkflow, WorkflowNode } from '../comfy/index.ts';
import { findJsonSyntaxProblem } from './json-syntax.ts';
import { describeIssue, describeValue } from './problems.ts';

const EXPORT_HINT =
  'In ComfyUI, open the workflow and use "Save (API)" (older interfaces: enable "Dev mode options" in the settings first), then put the exported file here';

/** A workflow file that cannot be used, with what is wrong and what to do. */
export class WorkflowFileError extends Error {
  override name = 'WorkflowFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}. ${fix}`, options);
  }
}

/** Parses JSON text, or throws a WorkflowFileError naming the file, line and column. */
export function parseJsonText(text: string, file: string, fix: string): unknown {
  // Editors on Windows save a byte-order mark that JSON.parse rejects.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (cause) {
    const where = findJsonSyntaxProblem(body);
    const reason = where
      ? `is not valid JSON at line ${where.line}, column ${where.column}: ${where.reason}`
      : `is not valid JSON (${(cause as Error).message})`;
    throw new WorkflowFileError(file, reason, fix, { cause });
  }
}

/** Checks that `text` is an API-format workflow ("Save (API)") and returns it. */
export function parseWorkflow(text: string, file: string): ApiWorkflow {
  const data = parseJsonText(text, file, `Fix the JSON, or export the workflow again. ${EXPORT_HINT}`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new WorkflowFileError(file, `is not an API-format workflow: expected an object of nodes by id, got ${describeValue(data)}`, EXPORT_HINT);
  }
  const record = data as Record<string, unknown>;
  if (Array.isArray(record['nodes']) || Array.isArray(record['links'])) {
    throw new WorkflowFileError(
      file,
      'is a workflow in the UI format (it has "nodes" and "links"), which ComfyUI cannot run from the API',
      EXPORT_HINT,
    );
  }
  const ids = Object.keys(record);
  if (ids.length === 0) throw new WorkflowFileError(file, 'has no nodes', EXPORT_HINT);
  for (const id of ids) {
    const result = WorkflowNode.safeParse(record[id], { reportInput: true });
    if (!result.success) {
      const issue = result.error.issues[0];
      const classType = (record[id] as { class_type?: unknown } | null)?.class_type;
      const who = typeof classType === 'string' ? `node "${id}" (${classType})` : `node "${id}"`;
      const what = issue ? describeIssue(issue) : 'is not a node';
      throw new WorkflowFileError(
        file,
        `${who} is not a valid API-format node: ${what}; every node needs "class_type" (text) and "inputs" (an object)`,
        `Correct node "${id}", or export the workflow again. ${EXPORT_HINT}`,
      );
    }
  }
  return ApiWorkflow.parse(record);
}

export async function loadWorkflowFile(path: string): Promise<ApiWorkflow> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (cause as Error).message})`;
    throw new WorkflowFileError(path, reason, 'Check the file name and that the bot may read it', { cause });
  }
  return parseWorkflow(text, path);
}
