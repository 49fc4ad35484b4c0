// A user's attachment is checked before a byte is fetched (type, size, host)
// and fetched with the size checked again as it arrives.
import type { Attachment as DiscordAttachment } from 'discord.js';
import { request } from 'undici';
import { formatBytes } from '../text/format.ts';
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
    throw new UserError(
      `The ${option} "${a.name}" is not an image (${a.contentType ?? 'unknown type'}). Attach a PNG, JPEG or WEBP file.`,
    );
  }
  if (a.size > policy.maxBytes) {
    throw new UserError(
      `The ${option} "${a.name}" is ${formatBytes(a.size)}; the limit is ${formatBytes(policy.maxBytes)}. Attach a smaller image.`,
    );
  }
  let url: URL;
  try {
    url = new URL(a.url);
  } catch {
    throw new UserError(`The ${option} "${a.name}" has no usable address. Attach it again.`);
  }
  if (!hostAllowed(url, policy.allowedHosts)) {
    throw new UserError(`The ${option} "${a.name}" is not hosted on Discord, so it cannot be used. Upload the file itself.`);
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
    throw new UserError(`The ${option} "${a.name}" could not be downloaded from Discord. Try again.`);
  }
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => {});
    throw new UserError(`The ${option} "${a.name}" could not be downloaded (HTTP ${res.statusCode}). Attach it again.`);
  }
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > policy.maxBytes) {
    await res.body.dump().catch(() => {});
    throw new UserError(`The ${option} "${a.name}" is larger than ${formatBytes(policy.maxBytes)}. Attach a smaller image.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > policy.maxBytes) {
      res.body.destroy();
      throw new UserError(`The ${option} "${a.name}" is larger than ${formatBytes(policy.maxBytes)}. Attach a smaller image.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
