// Output images fetched from ComfyUI and made to fit Discord: the guild's upload
// limit per message, and at most 10 attachments per message.
import type { ComfyHttp } from '../comfy/http.ts';
import type { OutputFile } from '../jobs/service.ts';
import { formatBytes } from '../text/format.ts';
import type { FileToSend, FinalImages } from './job-view.ts';

export const MAX_ATTACHMENTS = 10;
const JPEG_QUALITIES = [90, 75, 60, 45, 30];
/** Room for the JSON part of a multipart message. */
const PAYLOAD_MARGIN = 64 * 1024;

/** Discord's upload limit by boost tier (bytes per message). */
export function uploadLimitForTier(premiumTier: number): number {
  if (premiumTier >= 3) return 100 * 1024 * 1024;
  if (premiumTier === 2) return 50 * 1024 * 1024;
  return 10 * 1024 * 1024;
}

export async function fetchFinalImages(http: ComfyHttp | undefined, images: OutputFile[], limitBytes: number): Promise<FinalImages> {
  if (!http) return { files: [], overflow: [], missing: images.length };
  const fetched: Array<{ ref: OutputFile; file: FileToSend }> = [];
  let missing = 0;
  for (const ref of images) {
    try {
      const d = await http.view(ref);
      fetched.push({ ref, file: { name: ref.filename, data: d.bytes, contentType: d.contentType } });
    } catch {
      missing++;
    }
  }
  const batches: Array<Array<{ ref: OutputFile; file: FileToSend }>> = [];
  for (let i = 0; i < fetched.length; i += MAX_ATTACHMENTS) batches.push(fetched.slice(i, i + MAX_ATTACHMENTS));
  let reencoded = false;
  const dropped: OutputFile[] = [];
  const fitted: FileToSend[][] = [];
  for (const batch of batches) {
    const budget = Math.floor((limitBytes - PAYLOAD_MARGIN) / Math.max(1, batch.length));
    const files: FileToSend[] = [];
    for (const { ref, file } of batch) {
      if (file.data.length <= budget) {
        files.push(file);
        continue;
      }
      const smaller = await reencodeToFit(http, ref, budget);
      if (smaller) {
        reencoded = true;
        files.push(smaller);
      } else dropped.push(ref);
    }
    fitted.push(files);
  }
  const notes: string[] = [];
  if (reencoded) notes.push(`Some images were re-encoded as JPEG to fit Discord's ${formatBytes(limitBytes)} upload limit.`);
  if (dropped.length) notes.push(tooLargeNote(dropped, limitBytes));
  return {
    files: fitted[0] ?? [],
    overflow: fitted.slice(1),
    missing,
    ...(notes.length ? { note: notes.join(' ') } : {}),
  };
}

/** Names each image that could not be posted and where it is on the ComfyUI server. */
function tooLargeNote(dropped: OutputFile[], limitBytes: number): string {
  const shown = dropped.slice(0, 5).map((f) => `\`${[f.subfolder, f.filename].filter(Boolean).join('/')}\``);
  const more = dropped.length > shown.length ? ` and ${dropped.length - shown.length} more` : '';
  const one = dropped.length === 1;
  const folders = [...new Set(dropped.map((f) => f.type))].join(' and ');
  return (
    `${shown.join(', ')}${more} ${one ? 'is' : 'are'} too large for Discord's ${formatBytes(limitBytes)} upload limit even as a low-quality JPEG; ` +
    `${one ? 'it is' : 'they are'} in the ${folders} folder of the ComfyUI server.`
  );
}

async function reencodeToFit(http: ComfyHttp, ref: OutputFile, budget: number): Promise<FileToSend | undefined> {
  for (const quality of JPEG_QUALITIES) {
    try {
      const d = await http.view(ref, { preview: { format: 'jpeg', quality } });
      if (d.bytes.length <= budget) {
        return { name: ref.filename.replace(/\.[A-Za-z0-9]+$/, '') + '.jpg', data: d.bytes, contentType: 'image/jpeg' };
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}
