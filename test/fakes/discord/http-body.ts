import type { IncomingMessage } from 'node:http';

export interface UploadedFile {
  /** The form field, e.g. `files[0]`. */
  field: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface ParsedBody {
  raw: Buffer;
  json?: unknown;
  /** The parsed `payload_json` part of a multipart request. */
  payload?: unknown;
  /** Multipart text parts other than `payload_json`. */
  fields?: Record<string, string>;
  files?: UploadedFile[];
  /** Set when the body could not be parsed; the router answers 400 with it. */
  error?: string;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Multipart goes through undici's own parser (Node's global Response) so no extra dependency is needed. */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0 || !contentType) return { raw };
  try {
    if (contentType.startsWith('application/json')) {
      return { raw, json: JSON.parse(raw.toString('utf8')) };
    }
    if (contentType.startsWith('multipart/form-data')) {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- undici discourages it for servers because it buffers the whole body; a test fake's bodies are small and already buffered
      const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      const parsed: ParsedBody = { raw, files: [] };
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          if (field === 'payload_json') parsed.payload = JSON.parse(value);
          else (parsed.fields ??= {})[field] = value;
          continue;
        }
        parsed.files!.push({
          field,
          name: value.name,
          contentType: value.type,
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
      return parsed;
    }
  } catch (error) {
    return { raw, error: `unparseable ${contentType} body: ${(error as Error).message}` };
  }
  return { raw };
}

/** The `files[n]` index of an upload, or undefined for a differently named part. */
export function fileIndex(file: UploadedFile): number | undefined {
  const match = /^files\[(\d+)\]$/.exec(file.field);
  return match ? Number(match[1]) : undefined;
}
