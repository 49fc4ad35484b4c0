import type { Json, JsonObject } from './py-json.ts';

/**
 * ComfyUI's ExecutionList (comfy_execution/graph.py): the order nodes run in. The
 * recorded runs go 4, 5, 7, 6, 3, 8, 9 for the txt2img graph, an order that falls
 * out of this exact stack walk plus ux_friendly_pick_node, so both are ported.
 */
export class ExecutionList {
  private readonly pending = new Map<string, true>();
  private readonly blockCount = new Map<string, number>();
  private readonly blocking = new Map<string, Map<string, true>>();

  constructor(
    private readonly prompt: JsonObject,
    private readonly isCached: (nodeId: string) => boolean,
    private readonly isOutput: (nodeId: string) => boolean,
  ) {}

  addNode(rootId: string): void {
    const stack = [rootId];
    const links: [string, string][] = [];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (this.pending.has(id)) continue;
      this.pending.set(id, true);
      this.blockCount.set(id, 0);
      this.blocking.set(id, new Map());
      for (const value of this.inputs(id).values()) {
        if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') continue;
        const from = value[0];
        if (!this.isCached(from)) stack.push(from);
        links.push([from, id]);
      }
    }
    for (const [from, to] of links) this.addStrongLink(from, to);
  }

  isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** The next node to run, or null when nothing is ready (empty, or a cycle). */
  next(): string | null {
    const available = [...this.pending.keys()].filter((id) => this.blockCount.get(id) === 0);
    if (available.length === 0) return null;
    return this.pick(available);
  }

  complete(id: string): void {
    this.pending.delete(id);
    for (const blocked of this.blocking.get(id)?.keys() ?? []) {
      this.blockCount.set(blocked, (this.blockCount.get(blocked) ?? 1) - 1);
    }
    this.blocking.delete(id);
  }

  private inputs(id: string): JsonObject {
    const node = this.prompt.get(id);
    const inputs = node instanceof Map ? node.get('inputs') : undefined;
    return inputs instanceof Map ? inputs : new Map<string, Json>();
  }

  private addStrongLink(from: string, to: string): void {
    if (this.isCached(from) || !this.prompt.has(from)) return;
    this.addNode(from);
    const blocked = this.blocking.get(from);
    if (blocked && !blocked.has(to)) {
      blocked.set(to, true);
      this.blockCount.set(to, (this.blockCount.get(to) ?? 0) + 1);
    }
  }

  /** Output nodes first, then whatever unblocks an output soonest; else the first ready node. */
  private pick(available: string[]): string {
    for (const id of available) if (this.isOutput(id)) return id;
    for (const id of available) {
      for (const blocked of this.blocking.get(id)?.keys() ?? []) if (this.isOutput(blocked)) return id;
    }
    for (const id of available) {
      for (const blocked of this.blocking.get(id)?.keys() ?? []) {
        for (const next of this.blocking.get(blocked)?.keys() ?? []) if (this.isOutput(next)) return id;
      }
    }
    return available[0] as string;
  }
}
