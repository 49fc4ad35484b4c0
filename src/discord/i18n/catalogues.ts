// Every language the bot speaks: each file in locales/ named after a Discord
// locale (`zh-CN.ts`, `de.ts`, …) exporting `messages`. Adding a language is
// adding one file there; nothing else lists them.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Catalogue } from './catalogue.ts';
import { messages as enUS } from './locales/en-US.ts';

export const FALLBACK_LOCALE = 'en-US';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'locales');

async function load(): Promise<Map<string, Catalogue>> {
  const found = new Map<string, Catalogue>([[FALLBACK_LOCALE, enUS]]);
  // Sources under tsx/vitest (.ts), compiled JavaScript under `npm start` (.js).
  const files = readdirSync(dir).filter((f) => /^[a-zA-Z-]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'));
  for (const file of files) {
    const tag = file.replace(/\.(ts|js)$/, '');
    if (tag === FALLBACK_LOCALE || found.has(tag)) continue;
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { messages?: Catalogue };
    if (mod.messages) found.set(tag, mod.messages);
  }
  return found;
}

/** Locale tag → catalogue, en-US first. */
export const catalogues: ReadonlyMap<string, Catalogue> = await load();
