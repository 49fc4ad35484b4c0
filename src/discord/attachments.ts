// A user's attachment is checked before a byte is fetched (type, size, host)
// and fetched with the size checked again as it arrives.
import type { Attachment as DiscordAttachment } from 'discord.js';
import { request } from 'undici';
import { UserError } from '../jobs/user-error.ts';

export interface AttachmentPolicy {
  /** `host` or `host:port` entries attachments may come from. */
  allowedHosts: string[];
  maxBytes: number;
  timeoutMs?: number;
}

type AttachmentLike = Pick<DiscordAttachment, 'name' | 'size' | 'contentType' | 'url'>;

export function checkAttachment(option: string, a: AttachmentLike, policy: AttachmentPolicy): URL {
  if (!a.contentType?.startsWith('image/')) {
    throw new UserError('attachment.not_image', { option, name: a.name, type: a.contentType ?? '?' });
  }
  if (a.size > policy.maxBytes) {
    throw new UserError('attachment.too_large', { option, name: a.name, size: a.size, limit: policy.maxBytes });
  }
  let url: URL;
  try {
    url = new URL(a.url);
  } catch {
    throw new UserError('attachment.no_address', { option, name: a.name });
  }
  if (!hostAllowed(url, policy.allowedHosts)) {
    throw new UserError('attachment.not_discord', { option, name: a.name });
  }
  return url;
}

export function hostAllowed(url: URL, allowed: string[]): boolean {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  const host = url.hostname.toLowerCase();
  const withPort = url.port ? `${host}:${url.port}` : host;
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.includes(':') ? e === withPort : e === host && (url.port === '' || url.protocol === 'http:' || url.port === '443');
  });
}

/** Downloads an attachment that passed `checkAttachment`, stopping as soon as it grows past the limit. */
export async function downloadAttachment(option: string, a: AttachmentLike, policy: AttachmentPolicy): Promise<Buffer> {
  const url = checkAttachment(option, a, policy);
  const signal = AbortSignal.timeout(policy.timeoutMs ?? 30_000);
  let res;
  try {
    res = await request(url, { method: 'GET', signal });
  } catch {
    throw new UserError('attachment.download_failed', { option, name: a.name });
  }
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => {});
    throw new UserError('attachment.download_status', { option, name: a.name, status: res.statusCode });
  }
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > policy.maxBytes) {
    await res.body.dump().catch(() => {});
    throw new UserError('attachment.larger_than_limit', { option, name: a.name, limit: policy.maxBytes });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > policy.maxBytes) {
      res.body.destroy();
      throw new UserError('attachment.larger_than_limit', { option, name: a.name, limit: policy.maxBytes });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
