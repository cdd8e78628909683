export * from './checker/index.js';
