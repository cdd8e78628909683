export * from './persist/worker.js';
