// Human-readable output of the CLI: the ids, names and numbers a person needs.
import {
  comboValues,
  type ComfyHttp,
  describeInput,
  type FileKind,
  type History,
  type HistoryEntry,
  isFile,
  type NodeInfo,
  type ObjectInfo,
  outputsOf,
  outputsOfAll,
  type QueueEntry,
  type QueueSnapshot,
  type SubmitAnswer,
  type SystemStats,
  type UploadAnswer,
} from '../comfy/index.ts';
import { formatBytes } from '../text/format.ts';

export function status(url: string, stats: SystemStats, queueRemaining: number): string {
  const s = stats.system;
  const lines = [
    `ComfyUI ${s.comfyui_version ?? '(version unknown)'} at ${url}`,
    `Queue: ${queueRemaining} prompt(s) running or waiting`,
  ];
  for (const d of stats.devices) {
    lines.push(`Device: ${d.name} — VRAM ${formatBytes(d.vram_free)} free of ${formatBytes(d.vram_total)}`);
  }
  if (s.ram_total !== undefined) lines.push(`RAM: ${formatBytes(s.ram_free ?? 0)} free of ${formatBytes(s.ram_total)}`);
  if (s.python_version) lines.push(`Python ${s.python_version.split(' ')[0]}, PyTorch ${s.pytorch_version ?? '?'}`);
  return lines.join('\n');
}

export function queueEntryJson(e: QueueEntry) {
  return { number: e.number, prompt_id: e.promptId, client_id: e.clientId ?? null, create_time: e.createTime ?? null };
}

export function queue(q: QueueSnapshot): string {
  const lines = [`${q.running.length} running, ${q.pending.length} pending`];
  for (const e of q.running) lines.push(`  running  ${e.promptId}  client ${e.clientId ?? '(none)'}`);
  q.pending.forEach((e, i) => lines.push(`  ${String(i + 1).padStart(7)}  ${e.promptId}  client ${e.clientId ?? '(none)'}  number ${e.number}`));
  return lines.join('\n');
}

export function submitted(answer: SubmitAnswer, seeds: Record<string, number>): string {
  const lines = [`Queued ${answer.prompt_id} (number ${answer.number})`];
  for (const [node, seed] of Object.entries(seeds)) lines.push(`  seed of node ${node}: ${seed}`);
  for (const [node, e] of Object.entries(answer.node_errors)) {
    for (const err of e.errors) lines.push(`  warning: output ${e.class_type} (#${node}) dropped: ${err.message} ${err.details}`.trimEnd());
  }
  return lines.join('\n');
}

export function historyList(history: History): string {
  const entries = Object.entries(history);
  const lines = [`${entries.length} prompt(s) in history`];
  for (const [id, e] of entries) {
    const outputs = outputsOfAll(e.outputs);
    const kinds = [...new Set(outputs.map((o) => o.kind))].join(', ');
    lines.push(`  ${id}  ${e.status?.status_str ?? 'unknown'}  ${outputs.length} output(s)${kinds ? ` (${kinds})` : ''}`);
  }
  return lines.join('\n');
}

export function historyEntry(http: ComfyHttp, id: string, e: HistoryEntry): string {
  const lines = [`${id}: ${e.status?.status_str ?? 'unknown'}${e.status?.completed ? '' : ' (not completed)'}`];
  for (const [type, data] of e.status?.messages ?? []) {
    if (type === 'execution_error') {
      lines.push(`  error in ${String(data['node_type'])} (#${String(data['node_id'])}): ${String(data['exception_message']).trim()}`);
    }
    if (type === 'execution_interrupted') lines.push(`  interrupted at ${String(data['node_type'])} (#${String(data['node_id'])})`);
  }
  for (const [node, out] of Object.entries(e.outputs)) {
    for (const o of outputsOf(node, out)) {
      lines.push(isFile(o) ? `  node ${node}: ${o.kind} ${o.filename}  ${http.viewUrl(o)}` : `  node ${node}: text ${JSON.stringify(o.text.slice(0, 200))}`);
    }
  }
  return lines.join('\n');
}

export function list(title: string, items: string[]): string {
  return [title, ...items.map((i) => `  ${i}`)].join('\n');
}

export function nodeInfo(cls: string, info: NodeInfo): string {
  const lines = [`${info.display_name ?? cls} (${cls}) — ${info.category}`];
  if (info.description) lines.push(`  ${info.description}`);
  for (const section of ['required', 'optional'] as const) {
    const inputs = info.input[section];
    if (!inputs || Object.keys(inputs).length === 0) continue;
    lines.push(`${section} inputs:`);
    for (const [name, spec] of Object.entries(inputs)) {
      const choices = comboValues(spec);
      const shown = choices && choices.length > 8 ? `${choices.slice(0, 8).join(', ')}, … (${choices.length})` : undefined;
      lines.push(`  ${name}: ${shown ? `one of ${shown}` : describeInput(spec)}`);
    }
  }
  const outputs = info.output_name.length ? info.output_name : info.output;
  if (outputs.length) lines.push(`outputs: ${outputs.map(String).join(', ')}${info.output_node ? ' (output node)' : ''}`);
  return lines.join('\n');
}

export function nodeSummary(all: ObjectInfo): string {
  const byCategory = new Map<string, string[]>();
  for (const [cls, info] of Object.entries(all)) {
    const top = info.category.split('/')[0] || '(none)';
    byCategory.set(top, [...(byCategory.get(top) ?? []), cls]);
  }
  const lines = [`${Object.keys(all).length} node classes`];
  for (const [cat, classes] of [...byCategory].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(`  ${cat} (${classes.length}): ${classes.slice(0, 6).join(', ')}${classes.length > 6 ? ', …' : ''}`);
  }
  return lines.join('\n');
}

/** Which loader input takes an uploaded file of each kind. */
const LOADER_INPUT: Partial<Record<FileKind, string>> = {
  image: 'LoadImage image',
  animation: 'LoadImage image',
  video: 'LoadVideo file',
  audio: 'LoadAudio audio',
};

export function uploaded(a: UploadAnswer, kind: FileKind = 'image'): string {
  const where = a.subfolder ? `${a.subfolder}/${a.name}` : a.name;
  const loader = LOADER_INPUT[kind];
  return `Uploaded as ${where} (type ${a.type})${loader ? `; use "${where}" as the ${loader}` : ''}.`;
}
