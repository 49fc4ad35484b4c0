// A user's attachment is checked before a byte is fetched (type, size, host)
// and fetched with the size checked again as it arrives; a video or sound file
// is checked once more by its first bytes, so a renamed text file never reaches
// ComfyUI.
import type { Attachment as DiscordAttachment } from 'discord.js';
import { request } from 'undici';
import { extensionOf } from '../comfy/index.ts';
import { UserError, type UserErrorCode } from '../jobs/user-error.ts';

/** What an attachment option takes: a picture (image and mask options), a video, or a sound file. */
export type AttachmentKind = 'image' | 'video' | 'audio';

interface Accepted {
  /** Content types Discord reports for it start with this. */
  typePrefix: string;
  /** File name extensions it may have; an image without one is accepted, as before. */
  extensions: ReadonlySet<string>;
  wrongType: UserErrorCode;
  /** Raised when the bytes are not of that kind; images are left to ComfyUI (LoadImage reports them). */
  wrongContents?: UserErrorCode;
}

const ACCEPTED: Record<AttachmentKind, Accepted> = {
  image: {
    typePrefix: 'image/',
    extensions: new Set(['png', 'jpg', 'jpeg', 'jfif', 'webp', 'gif', 'bmp', 'tif', 'tiff', 'avif']),
    wrongType: 'attachment.not_image',
  },
  video: {
    typePrefix: 'video/',
    extensions: new Set(['mp4', 'm4v', 'mov', 'qt', 'webm', 'mkv', 'avi']),
    wrongType: 'attachment.not_video',
    wrongContents: 'attachment.video_contents',
  },
  audio: {
    typePrefix: 'audio/',
    extensions: new Set(['flac', 'mp3', 'ogg', 'oga', 'opus', 'wav', 'm4a', 'aac']),
    wrongType: 'attachment.not_audio',
    wrongContents: 'attachment.audio_contents',
  },
};

export interface AttachmentPolicy {
  /** `host` or `host:port` entries attachments may come from. */
  allowedHosts: string[];
  maxBytes: number;
  timeoutMs?: number;
}

type AttachmentLike = Pick<DiscordAttachment, 'name' | 'size' | 'contentType' | 'url'>;

export function checkAttachment(option: string, a: AttachmentLike, policy: AttachmentPolicy, kind: AttachmentKind = 'image'): URL {
  const accepted = ACCEPTED[kind];
  const extension = extensionOf(a.name);
  const extensionFits = accepted.extensions.has(extension) || (kind === 'image' && extension === '');
  if (!a.contentType?.startsWith(accepted.typePrefix) || !extensionFits) {
    const type = a.contentType?.startsWith(accepted.typePrefix) ? `.${extension || '?'}` : (a.contentType ?? '?');
    throw new UserError(accepted.wrongType, { option, name: a.name, type });
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

/**
 * Downloads an attachment that passed `checkAttachment`, stopping as soon as it
 * grows past the limit; a video or sound file must then look like one.
 */
export async function downloadAttachment(option: string, a: AttachmentLike, policy: AttachmentPolicy, kind: AttachmentKind = 'image'): Promise<Buffer> {
  const url = checkAttachment(option, a, policy, kind);
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
  const bytes = Buffer.concat(chunks);
  const wrongContents = ACCEPTED[kind].wrongContents;
  if (wrongContents && !looksLike(kind, bytes)) throw new UserError(wrongContents, { option, name: a.name });
  return bytes;
}

/**
 * Whether a file starts the way its kind's containers do: ISO media (mp4, mov,
 * m4a), Matroska/WebM, RIFF (AVI, WAV), Ogg, FLAC, MP3 (ID3 or a frame sync).
 */
export function looksLike(kind: AttachmentKind, bytes: Buffer): boolean {
  const ascii = (from: number, to: number) => bytes.toString('latin1', from, to);
  const isoMedia = bytes.length >= 12 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(ascii(4, 8));
  const matroska = bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3;
  const riff = (form: string) => bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === form;
  if (kind === 'video') return isoMedia || matroska || riff('AVI ');
  if (kind === 'audio') {
    const mpegFrame = bytes.length >= 2 && bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0;
    return ascii(0, 4) === 'fLaC' || ascii(0, 4) === 'OggS' || ascii(0, 3) === 'ID3' || mpegFrame || riff('WAVE') || isoMedia || matroska;
  }
  return true;
}
