import { describe, expect, it } from 'vitest';
import { FileStore } from './comfy/file-store.ts';

describe('FileStore.nextCounter', () => {
  it('counts on from the highest `prefix_NNNNN_` directly inside the folder, as get_save_image_path does', () => {
    const files = new FileStore();
    const put = (path: string) => files.putGenerated('output', path, { width: 1, height: 1 }, () => Buffer.alloc(0));
    expect(files.nextCounter('output', '', 'ComfyUI')).toBe(1);
    put('ComfyUI_00007_.png');
    put('ComfyUI_00003_.png');
    put('ComfyUI_extra_00099_.png');
    put('sub/ComfyUI_00050_.png');
    expect(files.nextCounter('output', '', 'ComfyUI')).toBe(8);
    expect(files.nextCounter('output', '', 'ComfyUI_extra')).toBe(100);
    expect(files.nextCounter('output', 'sub', 'ComfyUI')).toBe(51);
    // A name whose part after the prefix is not a number counts as 0.
    put('odd_x_.png');
    expect(files.nextCounter('output', '', 'odd')).toBe(1);
    expect(files.nextCounter('output', '', 'Comfy')).toBe(1);
    files.clear('output');
    expect(files.nextCounter('output', '', 'ComfyUI')).toBe(1);
  });
});
