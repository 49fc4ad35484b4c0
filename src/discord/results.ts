// A job's outputs fetched from ComfyUI and made to fit Discord: every file
// within the upload limit (stills re-encoded as JPEG when they are too large;
// videos, animations and sound never re-encoded, but kept on the server with a
// note), at most 10 attachments per message, texts shown in the message.
import { ComfyFileTooLargeError, isFile, isStillImage, mediaTypeOf, pathOf, type ComfyHttp, type OutputText } from '../comfy/index.ts';
import type { FinalResult, ResultFile, ResultOutput } from '../jobs/service.ts';
import type { FileToSend, FinalOutputs, Note, ShownText } from './job-view.ts';

export const MAX_ATTACHMENTS = 10;
const JPEG_QUALITIES = [90, 75, 60, 45, 30];
/** Room for the JSON part of a multipart message. */
const PAYLOAD_MARGIN = 64 * 1024;
/**
 * What Discord takes from any bot in any channel (the documented default was
 * 10 MiB until late 2026, and 413s above it were still seen after it was raised).
 */
export const SAFE_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** Characters of text outputs shown in the message itself (Discord allows 2000 in all). */
export const INLINE_TEXT_BUDGET = 1200;

/** Discord's upload limit by boost tier (bytes per attachment). */
export function uploadLimitForTier(premiumTier: number): number {
  if (premiumTier >= 3) return 100 * 1024 * 1024;
  if (premiumTier === 2) return 50 * 1024 * 1024;
  return SAFE_UPLOAD_LIMIT;
}

/** Where a job's files wait on disk: `<prefix>-<n>.<ext>`; every path written is added to `written`. */
export interface Spool {
  prefix: string;
  written: string[];
}

/** Order in a message: stills first (the embed shows the first), then what plays, then the rest. */
const KIND_ORDER: Record<ResultFile['kind'], number> = { image: 0, animation: 1, video: 2, audio: 3, model3d: 4, file: 5 };

/**
 * Saves a job's output files from ComfyUI to disk (streamed: a video never sits in
 * memory) and sorts them into messages that fit. A file over `limitBytes` is not
 * downloaded at all: a still is fetched again as a smaller JPEG; anything else stays
 * on the server, and the result says which file, its size and the limit. With
 * `refused` (Discord refused even files within the limit every bot has) nothing is
 * posted and the note names every file. `delivered` is the result with what happened
 * to each file (size, posted), for the ledger.
 */
export async function fetchFinalOutputs(
  http: ComfyHttp | undefined,
  result: Extract<FinalResult, { kind: 'success' }>,
  limitBytes: number,
  spool: Spool,
  jobId: string,
  refused = false,
): Promise<FinalOutputs & { delivered: FinalResult }> {
  const outputs: ResultOutput[] = result.outputs.map((o) => ({ ...o }));
  const texts = outputs.filter((o): o is OutputText => o.kind === 'text');
  const files = outputs
    .map((o, index) => ({ o, index }))
    .filter((e): e is { o: ResultFile; index: number } => isFile(e.o))
    .sort((a, b) => KIND_ORDER[a.o.kind] - KIND_ORDER[b.o.kind] || a.index - b.index);

  if (refused) {
    for (const { o } of files) o.posted = false;
    const names = files.map(({ o }) => `\`${pathOf(o)}\``).join(', ');
    return {
      files: [],
      overflow: [],
      missing: 0,
      texts: showTexts(texts, undefined),
      notes: files.length ? [{ key: 'note.refused_by_discord', values: { names, job: jobId } }] : [],
      delivered: { ...result, outputs },
    };
  }

  const budget = Math.max(0, limitBytes - PAYLOAD_MARGIN);
  const fetched: FileToSend[] = [];
  const keptStills: ResultFile[] = [];
  const kept: ResultFile[] = [];
  let missing = http ? 0 : files.length;
  let reencoded = false;
  for (const { o: ref, index } of http ? files : []) {
    try {
      // Our own name on disk: ComfyUI's file names are not trusted as paths.
      const saved = await http!.saveView(ref, spoolPath(spool, index, 'out'), { maxBytes: budget });
      // The type by extension: ComfyUI's comes from its host's mime table (octet-stream for .flac on many).
      fetched.push({ name: ref.filename, data: saved, contentType: mediaTypeOf(ref.filename), kind: ref.kind, output: index });
      ref.size = saved.size;
      ref.posted = true;
    } catch (err) {
      if (!(err instanceof ComfyFileTooLargeError)) {
        missing++;
        continue;
      }
      if (err.size !== undefined) ref.size = err.size;
      const still = isStillImage(ref.filename);
      const smaller = still && budget > 0 ? await reencodeToFit(http!, ref, budget, spoolPath(spool, index, 'jpg')) : undefined;
      if (smaller) {
        reencoded = true;
        ref.posted = true;
        fetched.push({ ...smaller, output: index });
      } else {
        ref.posted = false;
        (still ? keptStills : kept).push(ref);
      }
    }
  }

  const shown = showTexts(texts, fetched);
  const batches: FileToSend[][] = [];
  for (let i = 0; i < fetched.length; i += MAX_ATTACHMENTS) batches.push(fetched.slice(i, i + MAX_ATTACHMENTS));

  const notes: Note[] = [];
  if (reencoded) notes.push({ key: 'note.reencoded', values: { limit: limitBytes } });
  if (keptStills.length) notes.push(tooLargeNote(keptStills, limitBytes));
  for (const f of kept) {
    const values = { name: pathOf(f), kind: { key: `kind.${f.kind}` } as Note, limit: limitBytes, job: jobId };
    notes.push(
      f.size === undefined
        ? { key: 'note.kept_on_server_unknown_size', values }
        : { key: 'note.kept_on_server', values: { ...values, size: f.size } },
    );
  }
  return { files: batches[0] ?? [], overflow: batches.slice(1), missing, texts: shown, notes, delivered: { ...result, outputs } };
}

/**
 * Texts in the message: each in full while the budget lasts, else its start; a
 * text not shown in full is attached whole as a `.txt` file as well (to `files`, when given).
 */
function showTexts(texts: OutputText[], files: FileToSend[] | undefined): ShownText[] {
  let budget = INLINE_TEXT_BUDGET;
  return texts.map((t, i) => {
    const room = Math.max(0, Math.min(t.text.length, budget));
    budget -= room;
    const cut = room < t.text.length;
    const name = `text-${t.nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}${texts.length > 1 ? `-${i + 1}` : ''}.txt`;
    if (!cut || !files) return { nodeId: t.nodeId, text: t.text.slice(0, room), cut };
    files.push({ name, data: Buffer.from(t.text, 'utf8'), contentType: mediaTypeOf(name), kind: 'text' });
    return { nodeId: t.nodeId, text: t.text.slice(0, room), cut, file: name };
  });
}

/** Names each image that could not be posted and where it is on the ComfyUI server (file and folder names as they are). */
function tooLargeNote(dropped: ResultFile[], limitBytes: number): Note {
  const shown = dropped.slice(0, 5).map((f) => `\`${pathOf(f)}\``);
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

async function reencodeToFit(http: ComfyHttp, ref: ResultFile, budget: number, path: string): Promise<FileToSend | undefined> {
  for (const quality of JPEG_QUALITIES) {
    try {
      const saved = await http.saveView(ref, path, { preview: { format: 'jpeg', quality } });
      if (saved.size <= budget) {
        return { name: ref.filename.replace(/\.[A-Za-z0-9]+$/, '') + '.jpg', data: saved, contentType: 'image/jpeg', kind: 'image' };
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}
