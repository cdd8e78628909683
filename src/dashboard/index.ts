export * from './state.js';
export { formatPlainLine, sparkline, fmtClock, fmtInt, fmtMs } from './format.js';
export { Dashboard, Header, HelpOverlay, layoutRows, type DashboardProps } from './Dashboard.js';
export { renderDashboard, type RenderDashboardOptions, type DashboardHandle } from './render.js';
export { MetricsPoller, type MetricsPollerOptions, type PolledService } from './poll.js';
export { parsePrometheusText, quantileFromBuckets, readProcSample, type PromSample, type ProcSample } from '../core/index.js';
