/**
 * Valid baseline JPEGs without an encoder: a grey image made only of DC
 * coefficients. The first block carries the grey level; every other block repeats
 * it (a zero difference), so each 8x8 block costs two bits. `padTo` grows the file
 * with comment segments, which is how the fake imitates "bigger image, bigger file".
 */

const MAX_SEGMENT = 0xfffd;

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private count = 0;

  write(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  /** Zero bits, a byte at a time when aligned: most of the scan is zeros. */
  zeros(bits: number): void {
    while (bits > 0 && this.count !== 0) {
      this.write(0, 1);
      bits--;
    }
    const whole = Math.floor(bits / 8);
    for (let i = 0; i < whole; i++) this.bytes.push(0);
    this.write(0, bits % 8);
  }

  finish(): Buffer {
    // JPEG pads the last byte with 1-bits.
    while (this.count !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    // A 0xFF inside entropy data must be followed by a stuffed 0x00.
    if (this.current === 0xff) this.bytes.push(0);
    this.current = 0;
    this.count = 0;
  }
}

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

function huffmanTable(tableClass: number, symbolsByLength: number[][]): Buffer {
  const counts = Buffer.alloc(16);
  const symbols: number[] = [];
  symbolsByLength.forEach((list, i) => {
    counts[i] = list.length;
    symbols.push(...list);
  });
  return segment(0xc4, Buffer.concat([Buffer.from([tableClass << 4]), counts, Buffer.from(symbols)]));
}

/** Bits needed for a DC difference, and their value (JPEG's one's-complement style for negatives). */
function dcCategory(diff: number): { category: number; bits: number } {
  const magnitude = Math.abs(diff);
  const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
  const bits = diff >= 0 ? diff : diff + (1 << category) - 1;
  return { category, bits };
}

export function makeJpeg(width: number, height: number, grey = 128, padTo = 0): Buffer {
  const w = Math.max(1, Math.min(65535, Math.round(width)));
  const h = Math.max(1, Math.min(65535, Math.round(height)));
  const level = Math.max(0, Math.min(255, Math.round(grey)));
  // With all quantisers at 1, the DC coefficient of a flat block is 8 * (level - 128).
  const { category, bits } = dcCategory(8 * (level - 128));

  const soi = Buffer.from([0xff, 0xd8]);
  const app0 = segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  const dqt = segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)]));
  const sofBody = Buffer.alloc(9);
  sofBody[0] = 8;
  sofBody.writeUInt16BE(h, 1);
  sofBody.writeUInt16BE(w, 3);
  sofBody[5] = 1;
  sofBody[6] = 1;
  sofBody[7] = 0x11;
  sofBody[8] = 0;
  const sof = segment(0xc0, sofBody);
  // DC codes: '0' = no difference, '10' = the first block's category. AC: '0' = end of block.
  const dht = Buffer.concat([
    huffmanTable(0, category === 0 ? [[0]] : [[0], [category]]),
    huffmanTable(1, [[0]]),
  ]);
  const sos = segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0]));

  const blocks = Math.ceil(w / 8) * Math.ceil(h / 8);
  const scan = new BitWriter();
  if (category === 0) scan.write(0, 1);
  else {
    scan.write(0b10, 2);
    scan.write(bits, category);
  }
  scan.write(0, 1);
  scan.zeros((blocks - 1) * 2);
  const data = scan.finish();
  const eoi = Buffer.from([0xff, 0xd9]);

  const parts = [soi, app0, dqt, sof, dht, sos, data, eoi];
  let missing = padTo - parts.reduce((n, p) => n + p.length, 0);
  const comments: Buffer[] = [];
  while (missing > 4) {
    const size = Math.min(MAX_SEGMENT, missing - 4);
    comments.push(segment(0xfe, Buffer.alloc(size, 0x20)));
    missing -= size + 4;
  }
  return Buffer.concat([soi, app0, ...comments, dqt, sof, dht, sos, data, eoi]);
}
