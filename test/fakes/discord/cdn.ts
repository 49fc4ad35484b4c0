import { randomBytes } from 'node:crypto';
import type { APIAttachment } from 'discord-api-types/v10';
import { imageSize, resolveContentType } from './attachment-meta.ts';

/** An attachment as the fake keeps it: the API object plus the bytes behind its URL. */
export interface StoredAttachment extends APIAttachment {
  bytes: Buffer;
}

export interface CdnDownload {
  method: string;
  path: string;
  attachmentId: string;
  filename: string;
  /** Authorization header sent to the CDN, which should never carry the bot token. */
  auth: string | undefined;
  status: number;
  at: number;
}

export interface CdnAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface CdnFile {
  attachmentId: string;
  filename: string;
  bytes: Buffer;
  contentType: string;
}

export class Cdn {
  private readonly files = new Map<string, CdnFile>();
  private readonly byId = new Map<string, StoredAttachment>();
  readonly downloads: CdnDownload[] = [];

  constructor(private readonly base: () => string) {}

  /** Registers bytes under a Discord-shaped attachment URL and returns the attachment object. */
  store(options: {
    channelId: string;
    id: string;
    filename: string;
    bytes: Buffer;
    contentType?: string;
    description?: string;
    sizeOverride?: number;
    ephemeral?: boolean;
  }): StoredAttachment {
    const contentType = resolveContentType(options.filename, options.contentType);
    this.files.set(`${options.channelId}/${options.id}/${options.filename}`, {
      attachmentId: options.id,
      filename: options.filename,
      bytes: options.bytes,
      contentType,
    });
    const url = this.url(options.channelId, options.id, options.filename);
    const size = imageSize(options.bytes);
    const attachment: StoredAttachment = {
      id: options.id,
      filename: options.filename,
      size: options.sizeOverride ?? options.bytes.length,
      url,
      proxy_url: url,
      content_type: contentType,
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(size ? { width: size.width, height: size.height } : {}),
      ...(options.ephemeral ? { ephemeral: true } : {}),
      bytes: options.bytes,
    };
    this.byId.set(attachment.id, attachment);
    return attachment;
  }

  /** An attachment registered earlier, by id (for `resolved.attachments`). */
  attachment(id: string): APIAttachment | undefined {
    const stored = this.byId.get(id);
    return stored ? toAPIAttachment(stored) : undefined;
  }

  /** Signed-URL query params like Discord's, so bots that strip or keep them are both exercised. */
  private url(channelId: string, id: string, filename: string): string {
    const expires = Math.floor(Date.now() / 1000) + 86_400;
    const query = `ex=${expires.toString(16)}&is=${Math.floor(Date.now() / 1000).toString(16)}&hm=${randomBytes(32).toString('hex')}&`;
    return `${this.base()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}?${query}`;
  }

  serve(method: string, path: string, segments: string[], auth: string | undefined): CdnAnswer {
    const [, channelId, id, filename] = segments;
    const file = channelId && id && filename ? this.files.get(`${channelId}/${id}/${filename}`) : undefined;
    const status = !file ? 404 : method === 'GET' || method === 'HEAD' ? 200 : 405;
    this.downloads.push({ method, path, attachmentId: id ?? '', filename: filename ?? '', auth, status, at: Date.now() });
    if (!file || status !== 200) {
      return { status, headers: { 'content-type': 'text/plain' }, body: Buffer.from('This content is no longer available.') };
    }
    return {
      status,
      headers: { 'content-type': file.contentType, 'content-length': String(file.bytes.length) },
      body: method === 'HEAD' ? Buffer.alloc(0) : file.bytes,
    };
  }
}

export function toAPIAttachment(attachment: StoredAttachment): APIAttachment {
  const { bytes: _bytes, ...api } = attachment;
  return api;
}
