/**
 * The metric names a PromQL expression reads. promtool parses every expression first (a malformed one
 * fails there), so this only has to find names in valid PromQL: it drops string literals, label
 * matchers, range/offset durations, grouping clauses and numbers, and what remains that is not a
 * function, an aggregation or a keyword is a metric name.
 */

const AGGREGATIONS = ["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile"];
const KEYWORDS = ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"];
const FUNCTIONS = [
  "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "day_of_month", "day_of_week",
  "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor", "histogram_quantile", "holt_winters", "hour", "idelta",
  "increase", "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute", "month", "predict_linear", "rate",
  "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt", "time", "timestamp", "vector", "year", "avg_over_time",
  "min_over_time", "max_over_time", "sum_over_time", "count_over_time", "quantile_over_time", "stddev_over_time",
  "stdvar_over_time", "last_over_time", "present_over_time",
];
const NOT_METRICS = new Set([...AGGREGATIONS, ...KEYWORDS, ...FUNCTIONS]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\boffset\s+\d+[smhdwy]/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const before = stripped.slice(0, m.index);
    if (/\d$/.test(before) || /\d[eE]$/.test(before)) continue; // part of a number such as 1e6
    if (!NOT_METRICS.has(word.toLowerCase())) names.add(word);
  }
  return [...names].sort();
}
