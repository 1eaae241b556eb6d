// Prometheus text exposition format 0.0.4, written by hand: HELP and TYPE once per family, then its samples.
import type { HistogramSnapshot } from './histogram.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Record<string, string>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export class PrometheusText {
  private readonly lines: string[] = [];

  counter(name: string, help: string, samples: number | Sample[]): this {
    return this.family(name, 'counter', help, samples);
  }

  gauge(name: string, help: string, samples: number | Sample[]): this {
    return this.family(name, 'gauge', help, samples);
  }

  histogram(name: string, help: string, h: HistogramSnapshot): this {
    this.header(name, 'histogram', help);
    for (const { le, count } of h.buckets) this.sample(`${name}_bucket`, { le: le === Infinity ? '+Inf' : String(le) }, count);
    this.sample(`${name}_sum`, undefined, h.sum);
    this.sample(`${name}_count`, undefined, h.count);
    return this;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }

  private family(name: string, type: 'counter' | 'gauge', help: string, samples: number | Sample[]): this {
    this.header(name, type, help);
    for (const s of typeof samples === 'number' ? [{ value: samples }] : samples) this.sample(name, s.labels, s.value);
    return this;
  }

  private header(name: string, type: string, help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  }

  private sample(name: string, labels: Labels | undefined, value: number): void {
    const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    this.lines.push(`${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
