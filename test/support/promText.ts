/** A strict check of Prometheus text exposition (format 0.0.4), and a reader of its samples. */

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"$/;
const HELP = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/;
const TYPE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;

/** One sample: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses `text`; throws on any line that is not valid exposition, on a sample whose metric family
 * has no `# HELP` and `# TYPE`, and on a family declared twice.
 */
export function parsePromText(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    if (help) {
      if (helps.has(help[1] as string)) throw new Error(`HELP twice for ${help[1]}`);
      helps.add(help[1] as string);
      continue;
    }
    if (type) {
      if (types.has(type[1] as string)) throw new Error(`TYPE twice for ${type[1]}`);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment line: ${line}`);
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const name = m[1] as string;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(family) || !helps.has(family)) throw new Error(`no HELP/TYPE for ${name}`);
    const labels: Record<string, string> = {};
    const body = m[2]?.slice(1, -1) ?? '';
    if (body !== '') {
      for (const pair of body.split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/)) {
        if (!LABEL.test(pair)) throw new Error(`bad label ${pair} in: ${line}`);
        const eq = pair.indexOf('=');
        labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
      }
    }
    const value = Number(m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3]);
    if (m[3] !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

/** The value of the sample `name` whose labels include `labels`; `undefined` when absent. */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
