import { describe, expect, it } from 'vitest';
import { ASPECTS, sizeForAspect } from '../../../src/workflows/aspect.ts';

describe('aspect ratio sizes', () => {
  it('16:9 at a 1024² base is 1360×768', () => {
    expect(sizeForAspect('16:9', { width: 1024, height: 1024 })).toEqual({ width: 1360, height: 768 });
    expect(sizeForAspect('9:16', { width: 1024, height: 1024 })).toEqual({ width: 768, height: 1360 });
  });

  for (const base of [
    { width: 1024, height: 1024 },
    { width: 512, height: 512 },
    { width: 832, height: 1216 },
    { width: 256, height: 256 },
  ]) {
    for (const aspect of ASPECTS) {
      it(`${aspect} at ${base.width}×${base.height}: multiples of 8, ratio within 1 %, about the base's pixels`, () => {
        const { width, height } = sizeForAspect(aspect, base);
        const [rw, rh] = aspect.split(':').map(Number) as [number, number];
        expect(width % 8).toBe(0);
        expect(height % 8).toBe(0);
        expect(Math.abs(width / height / (rw / rh) - 1)).toBeLessThanOrEqual(0.01);
        expect(Math.abs((width * height) / (base.width * base.height) - 1)).toBeLessThan(base.width * base.height >= 512 * 512 ? 0.05 : 0.08);
      });
    }
  }
});
