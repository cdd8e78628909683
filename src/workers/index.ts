export * from './persist/worker.js';
export * from './receipts/worker.js';
export * from './receipts/throttle.js';
export * from './receipts/options.js';
