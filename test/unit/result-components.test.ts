// The controls under a result stay within Discord's component limits for every
// batch size and number of actions, and their numbers match the images' embeds.
import { ComponentType, type APIButtonComponentWithCustomId, type APIStringSelectComponent } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { decodeCustomId, MAX_CUSTOM_ID_LENGTH } from '../../src/discord/custom-ids.ts';
import { translator } from '../../src/discord/i18n/index.ts';
import { COMPONENT_LIMITS, resultComponents, type ImageAction } from '../../src/discord/result-components.ts';

const en = translator('en-US');
const zh = translator('zh-CN');
const ACTIONS: ImageAction[] = [
  { name: 'upscale', label: 'Upscale', emoji: '🔍' },
  { name: 'vary_subtle', label: 'Vary (subtle)' },
  { name: 'vary_strong', label: 'Vary (strong)' },
  { name: 'use', label: 'Use as input' },
  { name: 'sharpen', label: 'Sharpen' },
  { name: 'sketch', label: 'Sketch' },
  { name: 'a'.repeat(32), label: 'L'.repeat(80) },
  { name: 'recolour', label: 'Recolour' },
];

function controls(n: number, k: number, first = 0) {
  return { job: 'abc123def456', images: Array.from({ length: n }, (_, i) => first + i), actions: ACTIONS.slice(0, k), edit: true };
}

describe('result components', () => {
  for (let n = 1; n <= 10; n++) {
    for (let k = 0; k <= ACTIONS.length; k++) {
      it(`${n} image(s), ${k} action(s): within Discord's limits, every action on every image reachable`, () => {
        const rows = resultComponents(controls(n, k), en);
        expect(rows.length).toBeLessThanOrEqual(COMPONENT_LIMITS.rows);
        const reachable = new Set<string>();
        const ids = new Set<string>();
        for (const row of rows) {
          expect(row.type).toBe(ComponentType.ActionRow);
          const selects = row.components.filter((c) => c.type === ComponentType.StringSelect);
          // A select fills its row alone.
          if (selects.length > 0) expect(row.components).toHaveLength(1);
          expect(row.components.length).toBeLessThanOrEqual(COMPONENT_LIMITS.buttonsPerRow);
          for (const c of row.components) {
            if (c.type === ComponentType.Button) {
              const b = c as APIButtonComponentWithCustomId;
              expect(b.label!.length).toBeLessThanOrEqual(COMPONENT_LIMITS.label);
              ids.add(b.custom_id);
              reachable.add(b.custom_id);
            } else {
              const s = c as APIStringSelectComponent;
              expect(s.options.length).toBeGreaterThan(0);
              expect(s.options.length).toBeLessThanOrEqual(COMPONENT_LIMITS.selectOptions);
              expect(s.placeholder!.length).toBeLessThanOrEqual(COMPONENT_LIMITS.placeholder);
              ids.add(s.custom_id);
              for (const o of s.options) {
                expect(o.label.length).toBeLessThanOrEqual(100);
                expect(o.value.length).toBeLessThanOrEqual(100);
                reachable.add(o.value);
              }
            }
          }
        }
        for (const id of ids) {
          expect(id.length).toBeLessThanOrEqual(MAX_CUSTOM_ID_LENGTH);
          expect(decodeCustomId(id)).toBeDefined();
        }
        // Custom ids are unique in a message: Discord refuses duplicates.
        expect(ids.size).toBe(rows.reduce((sum, r) => sum + r.components.length, 0));
        const perImage = [...reachable].map((id) => decodeCustomId(id)).filter((id) => id?.action === 'act' || id?.action === 'use');
        // Up to 4 menus of 25 hold every pair of these sizes.
        expect(perImage).toHaveLength(n * k);
      });
    }
  }

  it('numbers the buttons like the embeds: output index + 1', () => {
    const rows = resultComponents(controls(3, 1, 4), en);
    const labels = rows[1]?.components.map((c) => ('label' in c ? c.label : ''));
    expect(labels).toEqual(['Upscale 5', 'Upscale 6', 'Upscale 7']);
    expect(rows[1]?.components.map((c) => ('custom_id' in c ? c.custom_id : ''))).toEqual([4, 5, 6].map((i) => `act:abc123def456:upscale:${i}`));
  });

  it('one image: its actions side by side, unnumbered; a video or no action: the job row alone', () => {
    const one = resultComponents(controls(1, 4), en);
    expect(one.map((r) => r.components.map((c) => ('label' in c ? c.label : '')))).toEqual([
      ['Re-roll', 'Edit', 'Delete'],
      ['Upscale', 'Vary (subtle)', 'Vary (strong)', 'Use as input'],
    ]);
    expect(resultComponents(controls(0, 4), en)).toHaveLength(1);
    expect(resultComponents({ ...controls(2, 0), edit: false }, en)[0]?.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['Re-roll', 'Delete']);
  });

  it('six actions on four images: menus that list every action on every image, in Chinese too', () => {
    const rows = resultComponents(controls(4, 6), zh);
    const menus = rows.slice(1).map((r) => r.components[0] as APIStringSelectComponent);
    expect(menus).toHaveLength(1);
    expect(menus[0]?.placeholder).toBe('放大、变化或使用某张图片…');
    expect(menus[0]?.options.slice(0, 2).map((o) => o.label)).toEqual(['Upscale 1', 'Upscale 2']);
    expect(rows[0]?.components.map((c) => ('label' in c ? c.label : ''))).toEqual(['重新生成', '编辑', '删除']);
  });
});
