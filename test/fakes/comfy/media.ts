/**
 * The files the fake's media output nodes save: small real ones (data/media,
 * made by data/media/make.sh with ffmpeg), and a GLB and a latent built here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/recordings.ts';

const DIR = join(REPO_ROOT, 'test/fakes/comfy/data/media');
const cache = new Map<string, Buffer>();

export type MediaFixture = 'video.mp4' | 'video.webm' | 'animated.webp' | 'animated.png' | 'animated.gif' | 'audio.flac' | 'audio.mp3' | 'audio.opus';

/** The bytes of a committed fixture: an H.264 mp4, a vp9 webm, an animated WebP/APNG/GIF, FLAC, MP3, Opus. */
export function mediaFixture(name: MediaFixture): Buffer {
  let bytes = cache.get(name);
  if (!bytes) cache.set(name, (bytes = readFileSync(join(DIR, name))));
  return bytes;
}

/** An mp4 grown by `padBytes` with a trailing `free` box (still a valid file): a large video for limit tests. */
export function padMp4(mp4: Buffer, padBytes: number): Buffer {
  if (padBytes <= 0) return mp4;
  const size = Math.max(8, padBytes);
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write('free', 4, 'latin1');
  return Buffer.concat([mp4, box]);
}

/** A minimal glTF 2.0 binary (SaveGLB): header and a JSON chunk with an empty scene. */
export function makeGlb(): Buffer {
  let json = JSON.stringify({ asset: { version: '2.0', generator: 'fake ComfyUI' }, scenes: [{ nodes: [] }], scene: 0 });
  while (json.length % 4 !== 0) json += ' ';
  const chunk = Buffer.from(json, 'utf8');
  const header = Buffer.alloc(20);
  header.write('glTF', 0, 'latin1');
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(20 + chunk.length, 8);
  header.writeUInt32LE(chunk.length, 12);
  header.write('JSON', 16, 'latin1');
  return Buffer.concat([header, chunk]);
}

/** A SaveLatent file: safetensors with the latent tensor and its format version, as nodes.py writes it. */
export function makeLatent(width: number, height: number): Buffer {
  const w = Math.max(1, Math.round(width / 8));
  const h = Math.max(1, Math.round(height / 8));
  const bytes = 4 * 4 * w * h;
  const header = JSON.stringify({
    latent_tensor: { dtype: 'F32', shape: [1, 4, h, w], data_offsets: [0, bytes] },
    latent_format_version_0: { dtype: 'F32', shape: [0], data_offsets: [bytes, bytes] },
  });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([length, Buffer.from(header), Buffer.alloc(bytes)]);
}

/** Whether bytes are a container PyAV opens as video (LoadVideo) or audio (LoadAudio). */
export function looksLikeMedia(bytes: Buffer): boolean {
  const tag = bytes.toString('latin1', 4, 8);
  const head = bytes.toString('latin1', 0, 4);
  return (
    ['ftyp', 'moov', 'mdat', 'free'].includes(tag) ||
    (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) ||
    ['fLaC', 'OggS', 'RIFF'].includes(head) ||
    bytes.toString('latin1', 0, 3) === 'ID3' ||
    (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)
  );
}
