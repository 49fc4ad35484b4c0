// The strict exposition-format parser the metrics tests rely on: it must take
// what prom-client writes and refuse what Prometheus would.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, valueOf } from '../support/prometheus-text.ts';

describe('parsePrometheusText', () => {
  it('reads families, labels with escapes, special values and timestamps', () => {
    const text = [
      '# a comment',
      '# HELP jobs_total Jobs, with a \\\\ and a \\n in the help.',
      '# TYPE jobs_total counter',
      'jobs_total{workflow="txt2img",outcome="success"} 3',
      'jobs_total{workflow="a \\"quoted\\" \\\\ name\\n"} 1.5e3 1700000000000',
      '# TYPE temp gauge',
      'temp -Inf',
      'up NaN',
      '',
    ].join('\n');
    const families = parsePrometheusText(text);
    expect(families.get('jobs_total')).toMatchObject({ type: 'counter', help: 'Jobs, with a \\ and a \n in the help.' });
    expect(valueOf(families, 'jobs_total', { workflow: 'txt2img', outcome: 'success' })).toBe(3);
    expect(families.get('jobs_total')!.samples[1]).toEqual({ name: 'jobs_total', labels: { workflow: 'a "quoted" \\ name\n' }, value: 1500, timestamp: 1700000000000 });
    expect(valueOf(families, 'temp')).toBe(-Infinity);
    expect(families.get('up')?.type).toBe('untyped');
  });

  it('reads what prom-client writes, histograms included', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'x_total', help: 'x', labelNames: ['k'], registers: [registry] });
    const h = new Histogram({ name: 'd_seconds', help: 'd', labelNames: ['w'], buckets: [1, 5], registers: [registry] });
    c.inc({ k: 'a"b' }, 2);
    h.observe({ w: 'one' }, 3);
    h.observe({ w: 'one' }, 0.5);
    const families = parsePrometheusText(await registry.metrics());
    expect(valueOf(families, 'x_total', { k: 'a"b' })).toBe(2);
    expect(valueOf(families, 'd_seconds_bucket', { w: 'one', le: '1' })).toBe(1);
    expect(valueOf(families, 'd_seconds_bucket', { w: 'one', le: '+Inf' })).toBe(2);
    expect(valueOf(families, 'd_seconds_count', { w: 'one' })).toBe(2);
    expect(families.get('d_seconds')?.samples).toHaveLength(5);
  });

  const refuses: Array<[string, string, RegExp]> = [
    ['no final line feed', 'x 1', /line feed/],
    ['a bad metric name', '1x 1\n', /metric name/],
    ['a missing value', 'x{a="b"}\n', /value/],
    ['a bad value', 'x 1,5\n', /bad value/],
    ['an unterminated label value', 'x{a="b} 1\n', /unterminated|value/],
    ['a bad escape', 'x{a="\\t"} 1\n', /escape/],
    ['a label twice', 'x{a="1",a="2"} 1\n', /twice/],
    ['a reserved label', 'x{__name__="y"} 1\n', /reserved/],
    ['a series twice', 'x{a="1"} 1\nx{a="1"} 2\n', /twice/],
    ['TYPE after samples', 'x 1\n# TYPE x gauge\n', /after its samples/],
    ['two TYPE lines', '# TYPE x gauge\n# TYPE x gauge\n', /second TYPE/],
    ['an unknown type', '# TYPE x meter\n', /unknown type/],
    ['a family split in two', 'x 1\ny 1\nx{a="b"} 2\n', /again/],
    ['a negative counter', '# TYPE x_total counter\nx_total -1\n', /negative/],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\nh_count 1\n', /le/],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n', /\+Inf/],
    ['non-cumulative buckets', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n', /cumulative/],
    ['+Inf differing from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\n', /differs/],
  ];
  for (const [what, text, why] of refuses) {
    it(`refuses ${what}`, () => {
      expect(() => parsePrometheusText(text)).toThrow(why);
    });
  }
});
