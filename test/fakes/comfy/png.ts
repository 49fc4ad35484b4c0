import { crc32, deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

export interface PngOptions {
  /** Adds an alpha channel with this value (0-255): an RGBA PNG. */
  alpha?: number;
  /** Extra bytes in an ancillary chunk, so a test can push a file past an upload limit. */
  padBytes?: number;
  /** tEXt chunks, as ComfyUI's SaveImage writes `prompt` and `workflow`. */
  text?: Record<string, string>;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Ancillary (lowercase 1st), private (lowercase 2nd), safe-to-copy: decoders skip it. */
const PAD_CHUNK = 'paDd';
const MAX_PAD_CHUNK = 64 * 1024 * 1024;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A valid single-colour PNG. Rows after the first use the Up filter and the first
 * row the Sub filter, so the pixel data is almost all zeros: large images deflate
 * in milliseconds.
 */
export function makePng(width: number, height: number, rgb: Rgb = [128, 128, 128], options: PngOptions = {}): Buffer {
  if (!(width >= 1 && height >= 1)) throw new RangeError(`makePng: bad size ${width}x${height}`);
  const channels = options.alpha === undefined ? 3 : 4;
  const stride = 1 + width * channels;
  const raw = Buffer.alloc(stride * height);
  raw[0] = 1;
  raw[1] = rgb[0];
  raw[2] = rgb[1];
  raw[3] = rgb[2];
  if (options.alpha !== undefined) raw[4] = options.alpha;
  for (let row = 1; row < height; row++) raw[row * stride] = 2;

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 3 ? 2 : 6;

  const parts = [SIGNATURE, chunk('IHDR', ihdr)];
  for (const [key, value] of Object.entries(options.text ?? {})) {
    parts.push(chunk('tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')])));
  }
  parts.push(chunk('IDAT', deflateSync(raw)));
  let pad = Math.max(0, Math.floor(options.padBytes ?? 0));
  while (pad > 0) {
    const size = Math.min(pad, MAX_PAD_CHUNK);
    parts.push(chunk(PAD_CHUNK, Buffer.alloc(size)));
    pad -= size;
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

export interface ImageSize {
  width: number;
  height: number;
}

/** What PIL would recognise: the signatures of the formats ComfyUI users upload. */
export function imageFormat(bytes: Buffer): 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'tiff' | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(SIGNATURE)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const head = bytes.subarray(0, 12).toString('latin1');
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  if (head.startsWith('BM') && bytes.length >= 26) return 'bmp';
  if (head.startsWith('II*\0') || head.startsWith('MM\0*')) return 'tiff';
  return null;
}

export function readImageSize(bytes: Buffer): ImageSize | null {
  switch (imageFormat(bytes)) {
    case 'png':
      return bytes.length >= 24 ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : null;
    case 'gif':
      return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
    case 'bmp':
      return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
    case 'jpeg':
      return jpegSize(bytes);
    case 'webp':
      return webpSize(bytes);
    default:
      return null;
  }
}

function jpegSize(bytes: Buffer): ImageSize | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1] ?? 0;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return null;
}

function webpSize(bytes: Buffer): ImageSize | null {
  const kind = bytes.subarray(12, 16).toString('latin1');
  if (kind === 'VP8X' && bytes.length >= 30) {
    return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  }
  if (kind === 'VP8L' && bytes.length >= 25) {
    const bits = bytes.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (kind === 'VP8 ' && bytes.length >= 30) {
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  return null;
}
