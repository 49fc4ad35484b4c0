import { describe, expect, it } from 'vitest';
import { decodeCustomId, encodeCustomId, MAX_CUSTOM_ID_LENGTH, type CustomId, type CustomIdAction } from '../../src/discord/custom-ids.ts';

// One sample per action: a new action does not compile until it has one here.
const samples: { [A in CustomIdAction]: Extract<CustomId, { action: A }> } = {
  cancel: { action: 'cancel', job: 'abc123def456' },
  reroll: { action: 'reroll', job: 'abc123def456' },
  retry: { action: 'retry', job: 'abc123def456' },
  use: { action: 'use', job: 'abc123def456', image: 3 },
  usemodal: { action: 'usemodal', job: 'abc123def456', image: 0 },
  act: { action: 'act', job: 'abc123def456', name: 'vary_subtle', image: 2 },
  pick: { action: 'pick', job: 'abc123def456', menu: 1 },
  edit: { action: 'edit', job: 'abc123def456' },
  editmodal: { action: 'editmodal', job: 'abc123def456' },
  del: { action: 'del', job: 'abc123def456' },
};

describe('custom ids', () => {
  it.each(Object.values(samples))('$action round-trips', (id) => {
    const text = encodeCustomId(id);
    expect(text.length).toBeLessThanOrEqual(MAX_CUSTOM_ID_LENGTH);
    expect(decodeCustomId(text)).toEqual(id);
  });

  it('keeps the format buttons on old messages carry', () => {
    expect(encodeCustomId(samples.cancel)).toBe('cancel:abc123def456');
    expect(encodeCustomId(samples.use)).toBe('use:abc123def456:3');
    expect(decodeCustomId('usemodal:abc123:0')).toEqual({ action: 'usemodal', job: 'abc123', image: 0 });
  });

  it('stays within Discord’s 100 characters at the longest values', () => {
    const longest = encodeCustomId({ action: 'usemodal', job: 'j'.repeat(40), image: 99 });
    expect(longest.length).toBeLessThanOrEqual(MAX_CUSTOM_ID_LENGTH);
    expect(decodeCustomId(longest)).toEqual({ action: 'usemodal', job: 'j'.repeat(40), image: 99 });
    // An action's name is a manifest's (at most 32 characters).
    const action = encodeCustomId({ action: 'act', job: 'j'.repeat(40), name: 'a'.repeat(32), image: 99 });
    expect(action.length).toBeLessThanOrEqual(MAX_CUSTOM_ID_LENGTH);
    expect(decodeCustomId(action)).toEqual({ action: 'act', job: 'j'.repeat(40), name: 'a'.repeat(32), image: 99 });
    expect(decodeCustomId('act:abc:Not-Lower:1')).toBeUndefined();
  });

  it.each([
    '',
    'cancel',
    'cancel:',
    'cancel:abc:extra',
    'use:abc',
    'use:abc:',
    'use:abc:x',
    'use:abc:-1',
    'use:abc:01',
    'use:abc:1.5',
    'use:abc:100',
    'nope:abc',
    '__proto__:abc',
    'toString:abc',
    'hasOwnProperty:abc',
    'cancel:a b',
    'cancel:../../etc',
    `cancel:${'a'.repeat(41)}`,
    `cancel:${'a'.repeat(200)}`,
    'CANCEL:abc',
  ])('rejects %j', (text) => {
    expect(decodeCustomId(text)).toBeUndefined();
  });

  it('refuses to encode values that would not decode', () => {
    expect(() => encodeCustomId({ action: 'cancel', job: 'a:b' })).toThrow();
    expect(() => encodeCustomId({ action: 'cancel', job: '' })).toThrow();
    expect(() => encodeCustomId({ action: 'use', job: 'abc', image: -1 })).toThrow();
    expect(() => encodeCustomId({ action: 'use', job: 'abc', image: 1.5 })).toThrow();
  });
});
