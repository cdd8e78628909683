/** Metric names in a PromQL expression (histogram series folded onto their family). */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b((?:chatlab|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')))];
}
