/**
 * Valid lossless WEBPs without an encoder. A VP8L image whose five prefix codes
 * each hold a single symbol needs zero bits per pixel, so any size is a few bytes:
 * one flat colour. `padTo` adds an XMP chunk (extended format) to reach a size.
 */

class LsbBitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private count = 0;

  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.current |= ((value >> i) & 1) << this.count;
      if (++this.count === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.count = 0;
      }
    }
  }

  finish(): Buffer {
    if (this.count > 0) this.bytes.push(this.current);
    return Buffer.from(this.bytes);
  }
}

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat(data.length % 2 ? [head, data, Buffer.alloc(1)] : [head, data]);
}

function simpleCode(writer: LsbBitWriter, symbol: number): void {
  writer.write(1, 1); // simple code
  writer.write(0, 1); // one symbol
  if (symbol < 2) {
    writer.write(0, 1);
    writer.write(symbol, 1);
  } else {
    writer.write(1, 1);
    writer.write(symbol, 8);
  }
}

function vp8l(width: number, height: number, argb: readonly [number, number, number, number]): Buffer {
  const [a, r, g, b] = argb;
  const writer = new LsbBitWriter();
  writer.write(0x2f, 8);
  writer.write(width - 1, 14);
  writer.write(height - 1, 14);
  writer.write(a === 255 ? 0 : 1, 1);
  writer.write(0, 3);
  writer.write(0, 1); // no transform
  writer.write(0, 1); // no colour cache
  writer.write(0, 1); // no meta prefix codes
  for (const symbol of [g, r, b, a, 0]) simpleCode(writer, symbol);
  return writer.finish();
}

export function makeWebp(
  width: number,
  height: number,
  argb: readonly [number, number, number, number] = [255, 128, 128, 128],
  padTo = 0,
): Buffer {
  const w = Math.max(1, Math.min(16384, Math.round(width)));
  const h = Math.max(1, Math.min(16384, Math.round(height)));
  const image = riffChunk('VP8L', vp8l(w, h, argb));
  const simpleSize = 12 + image.length;
  if (padTo <= simpleSize + 30) return riff([image]);

  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x04 | (argb[0] === 255 ? 0 : 0x10); // XMP present, alpha if used
  vp8x.writeUIntLE(w - 1, 4, 3);
  vp8x.writeUIntLE(h - 1, 7, 3);
  const header = riffChunk('VP8X', vp8x);
  const fill = Math.max(0, padTo - 12 - header.length - image.length - 8);
  return riff([header, image, riffChunk('XMP ', Buffer.alloc(fill, 0x20))]);
}

function riff(chunks: Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}
