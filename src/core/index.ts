export * from './errors.js';
export * from './random.js';
export * from './histogram.js';
export * from './clock.js';
export * from './snowflake.js';
export * from './protocol.js';
export * from './paths.js';
