export * from './workload.js';
export * from './calibration.js';
export * from './demand.js';
export * from './usl.js';
export { billOfMaterials, gatewayCosts, ASSUMPTIONS, fmt, fmtGiB, type BillOfMaterials, type Component, type NetworkTier } from './bom.js';
export * from './tradeoffs.js';
export * from './result.js';
export * from './derive.js';
export * from './checks.js';
