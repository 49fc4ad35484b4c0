import { pyFloat, pyJson, type PyNum } from './py-json.ts';

type Value = number | PyNum;

/**
 * The `progress_state` message: ComfyUI resends the whole per-node table every
 * time, so it grows with the graph. Each node's entry is kept as ready JSON and
 * only the changed one is rebuilt.
 */
export class ProgressState {
  private readonly entries = new Map<string, { value: Value; max: Value; fragment: string }>();
  private readonly promptJson: string;

  constructor(promptId: string) {
    this.promptJson = pyJson(promptId);
  }

  /** start_progress: 0.0 of 1.0, running. */
  start(node: string): string {
    return this.set(node, pyFloat(0), pyFloat(1), 'running');
  }

  /** A sampler step: integer value and max. */
  update(node: string, value: number, max: number): string {
    return this.set(node, value, max, 'running');
  }

  /** finish_progress: value = max. A node seen only here (a cached output node) gets 1 of 1. */
  finish(node: string): string {
    const entry = this.entries.get(node);
    const max = entry ? entry.max : 1;
    return this.set(node, max, max, 'finished');
  }

  private set(node: string, value: Value, max: Value, state: 'running' | 'finished'): string {
    const id = pyJson(node);
    const fragment =
      `${id}: {"value": ${pyJson(value)}, "max": ${pyJson(max)}, "state": "${state}", "node_id": ${id}, ` +
      `"prompt_id": ${this.promptJson}, "display_node_id": ${id}, "parent_node_id": null, "real_node_id": ${id}}`;
    this.entries.set(node, { value, max, fragment });
    let nodes = '';
    for (const entry of this.entries.values()) nodes += (nodes ? ', ' : '') + entry.fragment;
    return `{"type": "progress_state", "data": {"prompt_id": ${this.promptJson}, "nodes": {${nodes}}}}`;
  }
}
