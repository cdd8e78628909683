export { startStack, type UpOptions, type RunningStack } from './up.js';
export { stopStack, type DownReport } from './down.js';
export { collectStatus, unhealthyParts, type StackStatus } from './status.js';
export { readState, type StackState, type ServiceKind, type ServiceRecord } from './state.js';
export * from './control.js';
export { launchService } from './services.js';
export { serviceConfigFile } from './services.js';
export { ringPairs, seedStack, seedOptionsSchema } from './seed.js';
export { monitoringFiles, readTargets, writeMonitoringFiles, fileSdTargets, type FileSdGroup, type MonitoringFiles } from './monitoring.js';
