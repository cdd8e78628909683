export * from './checker/index.js';
export * from './result.js';
export * from './engine.js';
export * from './types.js';
export * from './thresholds.js';
export * from './variants.js';
export { LoadPool, type PoolSecond } from './pool.js';
