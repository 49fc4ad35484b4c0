// Width and height for an aspect ratio (U5): about the base size's pixel count,
// both multiples of 8 (latent images are 1/8 of the picture), the ratio within 1 %.

export const ASPECTS = ['1:1', '2:3', '3:2', '3:4', '4:3', '9:16', '16:9'] as const;
export type Aspect = (typeof ASPECTS)[number];

const STEP = 8;
const TOLERANCE = 0.01;

export function sizeForAspect(aspect: Aspect, base: { width: number; height: number }): { width: number; height: number } {
  const [rw, rh] = aspect.split(':').map(Number) as [number, number];
  const ratio = rw / rh;
  const pixels = base.width * base.height;
  const exactW = Math.sqrt(pixels * ratio);
  const exactH = Math.sqrt(pixels / ratio);
  // Rounding down keeps the picture within the base's memory; 16:9 at 1024² is 1360×768.
  const floorW = Math.max(STEP, Math.floor(exactW / STEP) * STEP);
  const floorH = Math.max(STEP, Math.floor(exactH / STEP) * STEP);
  if (ratioError(floorW, floorH, ratio) <= TOLERANCE) return { width: floorW, height: floorH };
  // Small bases can round too far from the ratio: take the nearest pair that keeps it.
  let best = { width: floorW, height: floorH, score: Infinity };
  for (let dw = -2; dw <= 2; dw++) {
    for (let dh = -2; dh <= 2; dh++) {
      const width = floorW + dw * STEP;
      const height = floorH + dh * STEP;
      if (width < STEP || height < STEP) continue;
      const err = ratioError(width, height, ratio);
      const score = (err <= TOLERANCE ? 0 : 10 + err) + Math.abs(width * height - pixels) / pixels;
      if (score < best.score) best = { width, height, score };
    }
  }
  return { width: best.width, height: best.height };
}

function ratioError(width: number, height: number, ratio: number): number {
  return Math.abs(width / height / ratio - 1);
}
