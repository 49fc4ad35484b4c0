// Wrong media attachments: each refused with its own message in the user's
// language, before anything reaches ComfyUI, while other people's jobs go on.
import { Locale } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { makePng, mediaFixture } from '../fakes/comfy/index.ts';
import type { StoredMessage } from '../fakes/discord/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import { workflowsDir } from '../support/media-workflows.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isFinal = (m: StoredMessage) => m.content?.includes('done in') ?? false;
const refused = (m: StoredMessage) => m.content?.startsWith('⚠️') ?? false;

interface Case {
  what: string;
  workflow: string;
  option: string;
  file: { filename: string; contentType: string; bytes: Buffer; sizeOverride?: number };
  en: string;
  zh: string;
  /** Refused before the bot fetched a byte from Discord's CDN. */
  downloaded: boolean;
}

const CASES: Case[] = [
  {
    what: 'a .mp4 attached to an image option',
    workflow: 'img2img',
    option: 'image',
    file: { filename: 'clip.mp4', contentType: 'video/mp4', bytes: mediaFixture('video.mp4') },
    en: 'The image "clip.mp4" is not an image (video/mp4). Attach a PNG, JPEG or WEBP file.',
    zh: 'image 选项的文件“clip.mp4”不是图片（video/mp4）。',
    downloaded: false,
  },
  {
    what: 'a .txt renamed .mp3 attached to an audio option',
    workflow: 'voice',
    option: 'audio',
    file: { filename: 'song.mp3', contentType: 'audio/mpeg', bytes: Buffer.from('Dear diary, today I renamed a text file.\n') },
    en: 'The audio "song.mp3" is named like a sound file, but its contents are not audio (it may be another file renamed). Attach the sound file itself.',
    zh: 'audio 选项的文件“song.mp3”名字像音频，但内容并不是音频',
    downloaded: true,
  },
  {
    what: 'an audio attachment over MAX_ATTACHMENT_MB',
    workflow: 'voice',
    option: 'audio',
    file: { filename: 'long.flac', contentType: 'audio/flac', bytes: mediaFixture('audio.flac'), sizeOverride: 3 * 1024 * 1024 },
    en: 'The audio "long.flac" is 3 MB; the limit is 1 MB. Attach a smaller file.',
    zh: 'audio 选项的文件“long.flac”大小为 3 MB，上限为 1 MB。',
    downloaded: false,
  },
  {
    what: 'a picture attached to a video option',
    workflow: 'clip',
    option: 'video',
    file: { filename: 'cat.png', contentType: 'image/png', bytes: makePng(8, 8) },
    en: 'The video "cat.png" is not a video (image/png). Attach an MP4, WEBM or MOV file.',
    zh: 'video 选项的文件“cat.png”不是视频（image/png）。',
    downloaded: false,
  },
  {
    what: 'a video whose name does not fit its type',
    workflow: 'clip',
    option: 'video',
    file: { filename: 'clip.txt', contentType: 'video/mp4', bytes: mediaFixture('video.mp4') },
    en: 'The video "clip.txt" is not a video (.txt).',
    zh: 'video 选项的文件“clip.txt”不是视频（.txt）。',
    downloaded: false,
  },
];

describe('bad media attachments', () => {
  it('each gets its own message in English and in Chinese; nothing is uploaded; another user’s job finishes', async () => {
    h = await startHarness({
      comfy: { stepMs: 1 },
      env: { WORKFLOWS_DIR: workflowsDir(['voice', 'clip', 'sound'], ['img2img']), MAX_ATTACHMENT_MB: '1' },
    });
    h.comfy.hold();
    const bob = await h.generate('sound', { prompt: 'bob keeps going' }, { user: 'bob' });
    await h.reply(bob, (m) => m.content?.includes('Queued') ?? false);

    for (const c of CASES) {
      for (const [locale, expected] of [
        [Locale.EnglishUS, c.en],
        [Locale.ChineseCN, c.zh],
      ] as const) {
        const downloadsBefore = h.discord.downloads.length;
        const file = h.discord.addAttachment(c.file);
        const values: Record<string, string> = c.workflow === 'img2img' ? { prompt: 'x' } : {};
        const token = await h.generate(c.workflow, values, { attachments: { [c.option]: file }, locale });
        const reply = await h.reply(token, refused);
        expect(reply.content, c.what).toContain(expected);
        expect(h.discord.downloads.length > downloadsBefore, `${c.what}: downloaded`).toBe(c.downloaded);
      }
    }
    expect(h.comfy.requests.some((r) => r.path.startsWith('/upload'))).toBe(false);
    expect(h.comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST')).toHaveLength(1);

    h.comfy.release();
    const final = await h.reply(bob, isFinal);
    expect(final.attachments.map((a) => a.filename)).toEqual(['ComfyUI_00001_.flac']);
  });
});
