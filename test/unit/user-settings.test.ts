// Users' saved defaults: the store beside the ledger, which options can be saved,
// how a saved text becomes a value, the checks, and how defaults fill a job.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/jobs/ledger.ts';
import { UserError } from '../../src/jobs/user-error.ts';
import { checkSetting, SettingRefusedError, settableOptions, settingValue, UserSettingsStore, withUserDefaults } from '../../src/jobs/user-settings.ts';
import { loadedFrom, withOption } from './workflows/helpers.ts';

const height = { name: 'height', type: 'integer', min: 64, max: 2048, multipleOf: 8, targets: [{ node: '5', input: 'height' }] };
const txt2img = loadedFrom(withOption({ name: 'aspect', type: 'aspect' }, withOption(height)));
const narrow = loadedFrom({ ...withOption({ name: 'steps', type: 'integer', min: 1, max: 40, targets: [{ node: '3', input: 'steps' }] }), name: 'fast' });

const settings = (s: Partial<{ private: boolean; defaults: Record<string, string>; workflows: Record<string, Record<string, string>> }>) => ({
  private: false,
  defaults: {},
  workflows: {},
  ...s,
});

describe('UserSettingsStore', () => {
  it('keeps settings in its own table of the ledger file, across reopening, next to a working ledger', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'settings-')), 'jobs.sqlite');
    const ledger = new Ledger(file);
    const store = new UserSettingsStore(file);
    store.update('u1', (s) => {
      s.defaults['steps'] = '12';
      s.workflows['txt2img'] = { cfg: '6.5' };
      s.private = true;
    });
    store.close();
    const again = new UserSettingsStore(file);
    expect(again.get('u1')).toEqual({ private: true, defaults: { steps: '12' }, workflows: { txt2img: { cfg: '6.5' } } });
    expect(again.get('u2')).toEqual({ private: false, defaults: {}, workflows: {} });
    expect(ledger.schemaVersion).toBe(3);
    again.close();
    ledger.close();
  });

  it('removes the row of a user left with nothing, and reads a damaged row as no settings', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'settings-')), 'jobs.sqlite');
    const store = new UserSettingsStore(file);
    store.update('u1', (s) => {
      s.defaults['steps'] = '12';
    });
    store.update('u1', (s) => {
      delete s.defaults['steps'];
    });
    const db = new Database(file);
    expect((db.prepare('SELECT count(*) AS n FROM user_settings').get() as { n: number }).n).toBe(0);
    db.prepare("INSERT INTO user_settings VALUES ('u2', '{not json', 0)").run();
    db.prepare(`INSERT INTO user_settings VALUES ('u3', '{"private": "yes"}', 0)`).run();
    db.close();
    expect(store.get('u2')).toEqual({ private: false, defaults: {}, workflows: {} });
    expect(store.get('u3')).toEqual({ private: false, defaults: {}, workflows: {} });
    store.close();
  });
});

describe('what can be saved', () => {
  it('every typed-in option that is not required', () => {
    expect(settableOptions(txt2img).map((o) => o.name).sort()).toEqual(['aspect', 'height', 'seed', 'steps', 'width']);
  });

  it('a saved text takes the type of the option it fills', () => {
    const option = (name: string) => txt2img.manifest.options.find((o) => o.name === name)!;
    expect(settingValue(option('steps'), ' 12 ')).toBe(12);
    expect(settingValue(option('steps'), 'twelve')).toBe('twelve');
    expect(settingValue(option('aspect'), '16:9')).toBe('16:9');
    expect(settingValue({ ...option('steps'), type: 'boolean' } as never, 'Yes')).toBe(true);
  });

  it('a value for every workflow is checked against each that has the option, and refused with each one’s words', () => {
    expect(checkSetting([txt2img, narrow], { option: 'steps', value: '30' }).map((w) => w.name)).toEqual(['txt2img', 'fast']);
    const err = (() => {
      try {
        checkSetting([txt2img, narrow], { option: 'steps', value: '100' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SettingRefusedError);
    expect((err as SettingRefusedError).refusals.map((r) => [r.workflow, r.error.problems])).toEqual([
      ['fast', [{ option: 'steps', code: 'range', data: { option: 'steps', min: '1', max: '40', got: '100' } }]],
    ]);
    expect(checkSetting([txt2img, narrow], { option: 'steps', value: '100', workflow: 'txt2img' }).map((w) => w.name)).toEqual(['txt2img']);
  });

  it('refuses an unknown option, one a workflow lacks, a required one and an unknown workflow by code', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof UserError ? e.code : e;
      }
    };
    expect(codeOf(() => checkSetting([txt2img], { option: 'colour', value: 'x' }))).toBe('settings.unknown_option');
    expect(codeOf(() => checkSetting([txt2img], { option: 'colour', value: 'x', workflow: 'txt2img' }))).toBe('settings.not_in_workflow');
    expect(codeOf(() => checkSetting([txt2img], { option: 'prompt', value: 'x' }))).toBe('settings.always_given');
    expect(codeOf(() => checkSetting([txt2img], { option: 'steps', value: '1', workflow: 'nope' }))).toBe('workflow.unknown');
  });
});

describe('withUserDefaults', () => {
  it('fills only what was left empty; the workflow’s own beats the global', () => {
    const saved = settings({ defaults: { steps: '12', seed: '5' }, workflows: { txt2img: { steps: '30' } } });
    expect(withUserDefaults(saved, txt2img, { prompt: 'x', seed: 9 }).values).toEqual({ prompt: 'x', seed: 9, steps: 30 });
    expect(withUserDefaults(saved, narrow, { prompt: 'x', seed: null }).values).toEqual({ prompt: 'x', seed: 5, steps: 12 });
  });

  it('a saved value the workflow does not allow (any more) is skipped and named', () => {
    const result = withUserDefaults(settings({ defaults: { steps: '100' } }), narrow, { prompt: 'x' });
    expect(result.values).toEqual({ prompt: 'x' });
    expect(result.skipped).toEqual(['steps']);
    expect(withUserDefaults(settings({ defaults: { steps: '100' } }), txt2img, { prompt: 'x' }).applied).toEqual(['steps']);
  });

  it('a saved size steps back for an aspect given; a saved aspect still lets a given width win', () => {
    const saved = settings({ defaults: { width: '768', height: '768', aspect: '16:9' } });
    expect(withUserDefaults(saved, txt2img, { prompt: 'x', aspect: '1:1' }).values).toEqual({ prompt: 'x', aspect: '1:1' });
    expect(withUserDefaults(settings({ defaults: { aspect: '16:9' } }), txt2img, { prompt: 'x', width: 1024 }).values).toEqual({ prompt: 'x', width: 1024, aspect: '16:9' });
  });
});
