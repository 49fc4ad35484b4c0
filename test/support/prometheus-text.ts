// A strict parser of Prometheus's text exposition format (version 0.0.4), for
// tests: anything a Prometheus server would refuse, or that breaks the format's
// rules for metric families, throws with the line number. Written here because
// the parsers on npm accept malformed input silently.
//
// Checked: the syntax of every line (names, labels and their escapes, values,
// timestamps); the final line feed; HELP and TYPE at most once per family, TYPE
// before the family's samples; a family's samples together; no series twice; no
// label twice in one series; counters never negative; histograms with an `le`
// on every bucket, cumulative counts, a `+Inf` bucket equal to `_count`.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class ExpositionError extends Error {
  override name = 'ExpositionError';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError('the last line must end with a line feed');
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>();
  const typed = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  lines.pop();
  const fail = (n: number, why: string): never => {
    throw new ExpositionError(`line ${n + 1}: ${why}: ${JSON.stringify(lines[n])}`);
  };
  const familyFor = (n: number, name: string, creating: boolean): MetricFamily => {
    let family = families.get(name);
    if (family && closed.has(name)) fail(n, `family ${name} appears again after other families`);
    if (!family) {
      if (!creating) fail(n, `no family for ${name}`);
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
    }
    if (current && current !== family) closed.add(current.name);
    current = family;
    return family;
  };

  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) fail(n, `bad metric name ${name}`);
      const family = familyFor(n, name!, true);
      if (keyword === 'HELP') {
        if (family.help !== undefined) fail(n, `second HELP for ${name}`);
        family.help = unescapeHelp(rest, () => fail(n, 'bad escape in HELP'));
      } else {
        if (!TYPES.includes(rest as MetricType)) fail(n, `unknown type ${rest}`);
        if (family.samples.length > 0) fail(n, `TYPE for ${name} after its samples`);
        if (typed.has(name!)) fail(n, `second TYPE for ${name}`);
        family.type = rest as MetricType;
        typed.add(name!);
      }
      return;
    }
    const sample = parseSample(line, (why) => fail(n, why));
    const familyName = familyOf(sample.name, families);
    const family = familyFor(n, familyName, true);
    const key = `${sample.name}{${Object.keys(sample.labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(sample.labels[k])}`)
      .join(',')}}`;
    if (seriesSeen.has(key)) fail(n, `series ${key} appears twice`);
    seriesSeen.add(key);
    checkSampleForType(family, sample, (why) => fail(n, why));
    family.samples.push(sample);
  });

  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The family a sample belongs to: `x_bucket`, `x_sum`, `x_count` belong to histogram or summary `x`. */
function familyOf(name: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const family = families.get(base);
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return name;
}

function checkSampleForType(family: MetricFamily, sample: Sample, fail: (why: string) => never): void {
  const own = sample.name === family.name;
  switch (family.type) {
    case 'counter':
    case 'gauge':
    case 'untyped':
      if (!own) fail(`sample ${sample.name} in family ${family.name}`);
      if (family.type === 'counter' && (sample.value < 0 || Number.isNaN(sample.value))) fail('a counter cannot be negative or NaN');
      return;
    case 'histogram':
      if (sample.name === `${family.name}_bucket`) {
        if (sample.labels['le'] === undefined) fail('a histogram bucket needs an "le" label');
        parseValue(sample.labels['le'], () => fail(`bad le ${sample.labels['le']}`));
      } else if (sample.name !== `${family.name}_sum` && sample.name !== `${family.name}_count`) {
        fail(`sample ${sample.name} in histogram ${family.name}`);
      } else if ('le' in sample.labels) {
        fail(`${sample.name} cannot carry "le"`);
      }
      return;
    case 'summary':
      if (own && sample.labels['quantile'] === undefined) fail('a summary quantile needs a "quantile" label');
      if (!own && sample.name !== `${family.name}_sum` && sample.name !== `${family.name}_count`) fail(`sample ${sample.name} in summary ${family.name}`);
  }
}

function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: Array<{ le: number; value: number }>; count?: number }>();
  const groupKey = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  for (const s of family.samples) {
    const key = groupKey(s.labels);
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name.endsWith('_bucket')) group.buckets.push({ le: parseValue(s.labels['le']!, () => NaN), value: s.value });
    if (s.name.endsWith('_count')) group.count = s.value;
  }
  for (const [key, group] of groups) {
    const sorted = [...group.buckets].sort((a, b) => a.le - b.le);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.value < sorted[i - 1]!.value) throw new ExpositionError(`histogram ${family.name}${key}: buckets are not cumulative`);
    }
    const inf = sorted.find((b) => b.le === Infinity);
    if (!inf) throw new ExpositionError(`histogram ${family.name}${key}: no le="+Inf" bucket`);
    if (group.count === undefined) throw new ExpositionError(`histogram ${family.name}${key}: no _count`);
    if (inf.value !== group.count) throw new ExpositionError(`histogram ${family.name}${key}: +Inf bucket ${inf.value} differs from _count ${group.count}`);
  }
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) fail('a sample must start with a metric name');
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      if (line[i] === '}') {
        i++;
        break;
      }
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!labelMatch) fail('bad label name');
      const label = labelMatch[0];
      if (!LABEL_NAME.test(label) || label.startsWith('__')) fail(`bad or reserved label name ${label}`);
      if (label in labels) fail(`label ${label} twice`);
      i += label.length;
      if (line[i] !== '=' || line[i + 1] !== '"') fail(`label ${label} needs ="value"`);
      i += 2;
      let value = '';
      for (;;) {
        const ch = line[i];
        if (ch === undefined) fail('unterminated label value');
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = line[i + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else fail('bad escape in a label value');
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      labels[label] = value;
      if (line[i] === ',') {
        i++;
        continue;
      }
      if (line[i] !== '}') fail('labels must be separated by "," and closed by "}"');
    }
  }
  const rest = line.slice(i);
  const m = /^[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$/.exec(rest);
  if (!m) fail('a sample needs a value after its name and labels');
  const value = parseValue(m[1]!, () => fail(`bad value ${m[1]}`));
  const sample: Sample = { name, labels, value };
  if (m[2] !== undefined) {
    if (!/^-?\d+$/.test(m[2])) fail(`bad timestamp ${m[2]}`);
    sample.timestamp = Number(m[2]);
  }
  return sample;
}

function parseValue(text: string, fail: () => number): number {
  // Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case
  // (prom-client writes "Nan" for a gauge with no samples yet, e.g. the event loop lag).
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return fail();
  return Number(text);
}

function unescapeHelp(text: string, fail: () => never): string {
  return text.replace(/\\(.)?/g, (_all, ch: string | undefined) => {
    if (ch === '\\') return '\\';
    if (ch === 'n') return '\n';
    return fail();
  });
}

/** The value of one series, or undefined: `valueOf(families, 'x_total', { workflow: 'a' })` (labels must match exactly). */
export function valueOf(families: Map<string, MetricFamily>, sampleName: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name !== sampleName) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
