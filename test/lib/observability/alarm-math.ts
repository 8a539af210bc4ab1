/**
 * Evaluates a synthesized CloudWatch alarm against metric values a test describes, the way
 * CloudWatch computes one data point: metrics are read by namespace, name, dimensions and
 * statistic; Metrics Insights queries by their SQL; math expressions with the functions the
 * platform's alarms use (IF, FILL, MAX over an array, arithmetic and comparisons). A metric the
 * world does not publish is missing, as it would be in CloudWatch (a wrong dimension included).
 */

export type Dimensions = Readonly<Record<string, string>>;

export interface StatQuery {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimensions;
  readonly stat: string;
}

export interface InsightsQuery {
  readonly aggregate: string;
  readonly metricName: string;
  readonly namespace: string;
  readonly schemaDimensions: readonly string[];
  readonly where: Dimensions;
}

export interface MetricWorld {
  stat(query: StatQuery): number | undefined;
  insights(query: InsightsQuery): number | undefined;
}

interface AlarmMetric {
  readonly Id: string;
  readonly Expression?: string;
  readonly ReturnData?: boolean;
  readonly MetricStat?: { readonly Metric: { readonly Namespace: string; readonly MetricName: string; readonly Dimensions?: readonly { Name: string; Value: unknown }[] }; readonly Stat: string };
}

export interface AlarmProperties {
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly { Name: string; Value: unknown }[];
  readonly Statistic?: string;
  readonly Metrics?: readonly AlarmMetric[];
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly TreatMissingData?: string;
}

const INSIGHTS = /^SELECT (MAX|MIN|AVG|SUM|COUNT)\((\w+)\) FROM SCHEMA\("([^"]+)"((?:, \w+)*)\) WHERE (\w+) = '([^']+)'$/;

/** A Metrics Insights query of the form the platform writes; throws on anything else. */
export function parseInsights(sql: string): InsightsQuery {
  const match = INSIGHTS.exec(sql);
  if (match === null) {
    throw new Error(`not a Metrics Insights query of the expected form: ${sql}`);
  }
  const [, aggregate, metricName, namespace, dimensionList, whereKey, whereValue] = match as unknown as [string, string, string, string, string, string, string];
  return {
    aggregate,
    metricName,
    namespace,
    schemaDimensions: dimensionList.split(',').map((part) => part.trim()).filter((part) => part !== ''),
    where: { [whereKey]: whereValue },
  };
}

function dimensionsOf(list: readonly { Name: string; Value: unknown }[] | undefined): Dimensions {
  return Object.fromEntries((list ?? []).map((dimension) => [dimension.Name, typeof dimension.Value === 'string' ? dimension.Value : JSON.stringify(dimension.Value)]));
}

const FUNCTIONS = {
  __if: (condition: number | undefined, whenTrue: number | undefined, whenFalse: number | undefined) => (condition === undefined || Number.isNaN(condition) ? undefined : condition ? whenTrue : whenFalse),
  __fill: (value: number | undefined, fill: number) => (value === undefined || Number.isNaN(value) ? fill : value),
  __max: (values: readonly (number | undefined)[]) => {
    const present = values.filter((value): value is number => value !== undefined && !Number.isNaN(value));
    return present.length === 0 ? undefined : Math.max(...present);
  },
};

function evaluateMath(expression: string, values: Readonly<Record<string, number | undefined>>): number | undefined {
  if (!/^[\sA-Za-z0-9_.,+\-*/()[\]<>=!]*$/.test(expression)) {
    throw new Error(`unexpected characters in ${expression}`);
  }
  const js = expression
    .replace(/\bIF\(/g, '__if(')
    .replace(/\bFILL\(/g, '__fill(')
    .replace(/\bMAX\(/g, '__max(')
    .replace(/\b([a-z][A-Za-z0-9_]*)\b(?!\()/g, (id: string) => `__v[${JSON.stringify(id)}]`);
  const run = new Function('__v', '__if', '__fill', '__max', `return (${js});`) as (v: unknown, i: unknown, f: unknown, m: unknown) => number | boolean | undefined;
  const result = run(values, FUNCTIONS.__if, FUNCTIONS.__fill, FUNCTIONS.__max);
  if (result === undefined) return undefined;
  const numeric = typeof result === 'boolean' ? (result ? 1 : 0) : result;
  return Number.isNaN(numeric) ? undefined : numeric;
}

/** The alarm's value for one period, or undefined when it has no data. */
export function evaluate(alarm: AlarmProperties, world: MetricWorld): number | undefined {
  if (alarm.MetricName !== undefined) {
    return world.stat({ namespace: alarm.Namespace ?? '', metricName: alarm.MetricName, dimensions: dimensionsOf(alarm.Dimensions), stat: alarm.Statistic ?? '' });
  }
  const metrics = alarm.Metrics ?? [];
  const byId = new Map(metrics.map((metric) => [metric.Id, metric]));
  const cache = new Map<string, number | undefined>();
  const valueOf = (id: string): number | undefined => {
    if (cache.has(id)) return cache.get(id);
    const metric = byId.get(id);
    if (metric === undefined) throw new Error(`expression refers to unknown id ${id}`);
    let value: number | undefined;
    if (metric.MetricStat !== undefined) {
      const m = metric.MetricStat.Metric;
      value = world.stat({ namespace: m.Namespace, metricName: m.MetricName, dimensions: dimensionsOf(m.Dimensions), stat: metric.MetricStat.Stat });
    } else if (metric.Expression?.startsWith('SELECT ') === true) {
      value = world.insights(parseInsights(metric.Expression));
    } else {
      const expression = metric.Expression ?? '';
      const ids = [...new Set(expression.match(/\b[a-z][A-Za-z0-9_]*\b(?!\()/g) ?? [])];
      value = evaluateMath(expression, Object.fromEntries(ids.map((ref) => [ref, valueOf(ref)])));
    }
    cache.set(id, value);
    return value;
  };
  const returned = metrics.filter((metric) => metric.ReturnData !== false);
  if (returned.length !== 1 || returned[0] === undefined) {
    throw new Error(`an alarm returns exactly one series, this one ${returned.length}`);
  }
  return valueOf(returned[0].Id);
}

/** Whether one period with this value counts against the alarm (missing data as the alarm treats it). */
export function breaches(alarm: AlarmProperties, value: number | undefined): boolean {
  if (value === undefined) {
    return alarm.TreatMissingData === 'breaching';
  }
  switch (alarm.ComparisonOperator) {
    case 'GreaterThanThreshold': return value > alarm.Threshold;
    case 'GreaterThanOrEqualToThreshold': return value >= alarm.Threshold;
    case 'LessThanThreshold': return value < alarm.Threshold;
    case 'LessThanOrEqualToThreshold': return value <= alarm.Threshold;
    default: throw new Error(`unexpected comparison ${alarm.ComparisonOperator}`);
  }
}

/** The metrics every alarm reads, MetricStat and Metrics Insights alike, with their dimension names. */
export function metricsRead(alarm: AlarmProperties): { namespace: string; metricName: string; dimensions: string[] }[] {
  if (alarm.MetricName !== undefined) {
    return [{ namespace: alarm.Namespace ?? '', metricName: alarm.MetricName, dimensions: (alarm.Dimensions ?? []).map((d) => d.Name).sort() }];
  }
  return (alarm.Metrics ?? []).flatMap((metric) => {
    if (metric.MetricStat !== undefined) {
      const m = metric.MetricStat.Metric;
      return [{ namespace: m.Namespace, metricName: m.MetricName, dimensions: (m.Dimensions ?? []).map((d) => d.Name).sort() }];
    }
    if (metric.Expression?.startsWith('SELECT ') === true) {
      const query = parseInsights(metric.Expression);
      return [{ namespace: query.namespace, metricName: query.metricName, dimensions: [...query.schemaDimensions].sort() }];
    }
    return [];
  });
}
