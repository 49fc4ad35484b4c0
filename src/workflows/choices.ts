// Values for Discord autocomplete of choice options, read from a live server
// and cached briefly: autocomplete must answer within Discord's 3 seconds, and
// a LoRA added on the server should appear without restarting the bot.
import { findInputSpec, type ObjectInfo, readInputSpec } from '../comfy/index.ts';
import type { ChoiceSource } from './manifest.ts';

export { comboValues } from '../comfy/index.ts';

/** What the catalog needs from a server; ComfyHttp satisfies it. */
export interface ChoiceServer {
  models(folder: string): Promise<string[]>;
  objectInfo(): Promise<ObjectInfo>;
}

export interface ChoiceCatalogOptions {
  /** How long a list is reused before it is fetched again. */
  ttlMs?: number;
  now?: () => number;
}

/** Discord shows at most 25 autocomplete choices. */
export const MAX_CHOICES = 25;

interface Entry {
  fetchedAt: number;
  value: Promise<unknown>;
}

export class ChoiceCatalog {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly server: ChoiceServer,
    options: ChoiceCatalogOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Up to 25 values of the option's source matching what the user typed. */
  async choices(option: { choices: ChoiceSource }, typed: string): Promise<string[]> {
    return filterChoices(await this.values(option.choices), typed);
  }

  /** Every value of a source. A node_input naming no combo gives an empty list (validation reports it at start-up). */
  async values(source: ChoiceSource): Promise<string[]> {
    switch (source.from) {
      case 'list':
        return source.values;
      case 'models':
        return this.cached(`models:${source.folder}`, () => this.server.models(source.folder));
      case 'node_input': {
        const info = await this.cached('object_info', () => this.server.objectInfo());
        const node = Object.hasOwn(info, source.node) ? info[source.node] : undefined;
        const spec = node && findInputSpec(node, source.input);
        return spec === undefined ? [] : (readInputSpec(spec).choices ?? []);
      }
    }
  }

  /** Forgets every list, so the next request asks the server. */
  clear(): void {
    this.entries.clear();
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const previous = this.entries.get(key);
    if (previous && this.now() - previous.fetchedAt < this.ttlMs) return previous.value as Promise<T>;
    const value = load();
    this.entries.set(key, { fetchedAt: this.now(), value });
    try {
      return await value;
    } catch (err) {
      // A failed refresh keeps the last good list (retried on the next request) rather than emptying autocomplete.
      if (this.entries.get(key)?.value === value) {
        if (previous) this.entries.set(key, previous);
        else this.entries.delete(key);
      }
      if (previous) return previous.value as Promise<T>;
      throw err;
    }
  }
}

/**
 * Values containing `typed` (case-insensitive): those starting with it, or
 * whose file name inside a subfolder does, first; at most `limit`.
 */
export function filterChoices(values: readonly string[], typed: string, limit = MAX_CHOICES): string[] {
  const needle = typed.trim().toLowerCase();
  const prefix: string[] = [];
  const inside: string[] = [];
  for (const value of new Set(values)) {
    const lower = value.toLowerCase();
    const file = lower.slice(Math.max(lower.lastIndexOf('/'), lower.lastIndexOf('\\')) + 1);
    if (lower.startsWith(needle) || file.startsWith(needle)) prefix.push(value);
    else if (lower.includes(needle)) inside.push(value);
  }
  return [...prefix, ...inside].slice(0, limit);
}
