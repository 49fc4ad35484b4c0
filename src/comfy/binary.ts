// Binary WebSocket frames: a 4-byte big-endian event type, then the payload.
import { PreviewMetadata } from './schemas.ts';

export type BinaryFrame =
  | { event: 'preview'; mime: string; image: Buffer; promptId: string | undefined; nodeId: string | undefined }
  | { event: 'text'; nodeId: string; text: string }
  | { event: 'unknown'; type: number; payload: Buffer };

const PREVIEW_IMAGE = 1;
const TEXT = 3;
const PREVIEW_IMAGE_WITH_METADATA = 4;
const IMAGE_FORMATS: Record<number, string> = { 1: 'image/jpeg', 2: 'image/png' };

export function decodeBinaryFrame(buf: Buffer): BinaryFrame {
  if (buf.length < 4) return { event: 'unknown', type: -1, payload: buf };
  const type = buf.readUInt32BE(0);
  if (type === PREVIEW_IMAGE && buf.length >= 8) {
    const format = buf.readUInt32BE(4);
    return {
      event: 'preview',
      mime: IMAGE_FORMATS[format] ?? 'application/octet-stream',
      image: buf.subarray(8),
      promptId: undefined,
      nodeId: undefined,
    };
  }
  if (type === PREVIEW_IMAGE_WITH_METADATA && buf.length >= 8) {
    const len = buf.readUInt32BE(4);
    if (8 + len <= buf.length) {
      let raw: unknown;
      try {
        raw = JSON.parse(buf.toString('utf8', 8, 8 + len));
      } catch {
        raw = undefined;
      }
      const meta = PreviewMetadata.safeParse(raw);
      if (meta.success) {
        return {
          event: 'preview',
          mime: meta.data.image_type ?? 'image/jpeg',
          image: buf.subarray(8 + len),
          promptId: meta.data.prompt_id ?? undefined,
          nodeId: meta.data.display_node_id ?? meta.data.node_id ?? undefined,
        };
      }
    }
  }
  if (type === TEXT && buf.length >= 8) {
    const len = buf.readUInt32BE(4);
    if (8 + len <= buf.length) {
      return { event: 'text', nodeId: buf.toString('utf8', 8, 8 + len), text: buf.toString('utf8', 8 + len) };
    }
  }
  return { event: 'unknown', type, payload: buf.subarray(4) };
}

/** Builds a frame; the fake ComfyUI and tests use it so both sides share one encoding. */
export function encodePreviewFrame(image: Buffer, metadata?: Record<string, unknown>): Buffer {
  const head = Buffer.alloc(8);
  if (!metadata) {
    head.writeUInt32BE(PREVIEW_IMAGE, 0);
    head.writeUInt32BE(1, 4);
    return Buffer.concat([head, image]);
  }
  const json = Buffer.from(JSON.stringify(metadata));
  head.writeUInt32BE(PREVIEW_IMAGE_WITH_METADATA, 0);
  head.writeUInt32BE(json.length, 4);
  return Buffer.concat([head, json, image]);
}
