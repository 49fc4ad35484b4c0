// Output images fetched from ComfyUI and made to fit Discord: the guild's upload
// limit per message, and at most 10 attachments per message.
import type { ComfyHttp } from '../comfy/index.ts';
import type { OutputFile } from '../jobs/service.ts';
import { sizeOf, type FileToSend, type FinalImages, type Note } from './job-view.ts';

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

/** Where a job's images wait on disk: `<prefix>-<n>.<ext>`; every path written is added to `written`. */
export interface Spool {
  prefix: string;
  written: string[];
}

/**
 * Saves a job's output images from ComfyUI to disk (streamed, so a burst of large
 * images does not sit in memory) and sorts them into messages that fit.
 */
export async function fetchFinalImages(
  http: ComfyHttp | undefined,
  images: OutputFile[],
  limitBytes: number,
  spool: Spool,
): Promise<FinalImages> {
  if (!http) return { files: [], overflow: [], missing: images.length, notes: [] };
  const fetched: Array<{ ref: OutputFile; file: FileToSend; index: number }> = [];
  let missing = 0;
  for (const [index, ref] of images.entries()) {
    try {
      // Our own name on disk: ComfyUI's file names are not trusted as paths.
      const saved = await http.saveView(ref, spoolPath(spool, index, 'out'));
      fetched.push({ ref, index, file: { name: ref.filename, data: saved, contentType: saved.contentType } });
    } catch {
      missing++;
    }
  }
  const batches: Array<typeof fetched> = [];
  for (let i = 0; i < fetched.length; i += MAX_ATTACHMENTS) batches.push(fetched.slice(i, i + MAX_ATTACHMENTS));
  let reencoded = false;
  const dropped: OutputFile[] = [];
  const fitted: FileToSend[][] = [];
  for (const batch of batches) {
    const budget = Math.floor((limitBytes - PAYLOAD_MARGIN) / Math.max(1, batch.length));
    const files: FileToSend[] = [];
    for (const { ref, file, index } of batch) {
      if (sizeOf(file) <= budget) {
        files.push(file);
        continue;
      }
      const smaller = await reencodeToFit(http, ref, budget, spoolPath(spool, index, 'jpg'));
      if (smaller) {
        reencoded = true;
        files.push(smaller);
      } else dropped.push(ref);
    }
    fitted.push(files);
  }
  const notes: Note[] = [];
  if (reencoded) notes.push({ key: 'note.reencoded', values: { limit: limitBytes } });
  if (dropped.length) notes.push(tooLargeNote(dropped, limitBytes));
  return { files: fitted[0] ?? [], overflow: fitted.slice(1), missing, notes };
}

/** Names each image that could not be posted and where it is on the ComfyUI server (file and folder names as they are). */
function tooLargeNote(dropped: OutputFile[], limitBytes: number): Note {
  const shown = dropped.slice(0, 5).map((f) => `\`${[f.subfolder, f.filename].filter(Boolean).join('/')}\``);
  const folders = { list: [...new Set(dropped.map((f) => f.type))] };
  const more = dropped.length - shown.length;
  const files: Note | string = more > 0 ? { key: 'note.and_more', values: { files: shown.join(', '), n: more } } : shown.join(', ');
  return { key: 'note.too_large', values: { n: dropped.length, files, folders, limit: limitBytes } };
}

function spoolPath(spool: Spool, index: number, ext: string): string {
  const path = `${spool.prefix}-${index}.${ext}`;
  if (!spool.written.includes(path)) spool.written.push(path);
  return path;
}

async function reencodeToFit(http: ComfyHttp, ref: OutputFile, budget: number, path: string): Promise<FileToSend | undefined> {
  for (const quality of JPEG_QUALITIES) {
    try {
      const saved = await http.saveView(ref, path, { preview: { format: 'jpeg', quality } });
      if (saved.size <= budget) {
        return { name: ref.filename.replace(/\.[A-Za-z0-9]+$/, '') + '.jpg', data: saved, contentType: 'image/jpeg' };
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}
