import { hash } from 'node:crypto';
import { pyJson, pyStr, type Json, type JsonObject } from './py-json.ts';

export interface CachedOutput {
  /** What the node showed (`{"images": [...]}` for SaveImage); replayed as `executed` on a cache hit. */
  ui: JsonObject | null;
}

/**
 * A node's cache key, as ComfyUI's input-signature cache builds it: its class, its
 * widget values and, through links, its ancestors' keys. Two prompts that share a
 * node with the same key reuse its output. `isChanged` adds what IS_CHANGED
 * returns (LoadImage: a hash of the file).
 */
export function computeSignatures(
  prompt: JsonObject,
  isChanged: (classType: string, inputs: JsonObject) => string | null,
): Map<string, string> {
  const done = new Map<string, string>();
  const visiting = new Set<string>();

  const signature = (id: string): string => {
    const known = done.get(id);
    if (known) return known;
    const node = prompt.get(id);
    if (!(node instanceof Map) || visiting.has(id)) return `missing:${id}`;
    visiting.add(id);
    const classType = pyStr(node.get('class_type'));
    const rawInputs = node.get('inputs');
    const inputs: JsonObject = rawInputs instanceof Map ? rawInputs : new Map<string, Json>();
    const parts: Json[] = [];
    for (const name of [...inputs.keys()].sort()) {
      const value = inputs.get(name) ?? null;
      const linked = Array.isArray(value) && value.length === 2 && typeof value[0] === 'string';
      parts.push([name, linked ? ['link', signature(value[0] as string), value[1] ?? null] : value]);
    }
    const text = pyJson([classType, isChanged(classType, inputs), parts]);
    const key = hash('sha1', text);
    visiting.delete(id);
    done.set(id, key);
    return key;
  };

  for (const id of prompt.keys()) signature(id);
  return done;
}

/**
 * The output cache of the default ("classic") mode: when a prompt starts, entries
 * its nodes do not use are dropped, so in practice a node is cached only if the
 * previous prompt (or this one) produced it.
 */
export class OutputCache {
  private entries = new Map<string, CachedOutput>();

  startPrompt(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of [...this.entries.keys()]) if (!keep.has(key)) this.entries.delete(key);
  }

  get(key: string | undefined): CachedOutput | undefined {
    return key === undefined ? undefined : this.entries.get(key);
  }

  set(key: string, value: CachedOutput): void {
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
  }
}
