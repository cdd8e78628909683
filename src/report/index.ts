export { writeReport, type ReportFiles } from './write.js';
export { renderMarkdown } from './markdown.js';
export { renderHtml } from './html.js';
export { renderJunit } from './junit.js';
export { compareRuns, renderCompareTable, renderCompareMarkdown, type CompareRow } from './compare.js';
export { loadRunResult, parseRunResult } from './load.js';
export { variantMeasures, sideBySide, verdictOf, type Measure, type SideBySideRow, type Verdict } from './measures.js';
export { lineChart, type ChartSeries, type ChartMarker, type LineChartOptions } from './svg.js';
export { compareToBaseline, parseTolerance, renderBaseline } from './baseline.js';
