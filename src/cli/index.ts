/** The CLI's public face for code outside it (tests): the stack a `chatlab run` starts for itself, and the named suites. */
export { startRunStack, stopRunStack } from './run.js';
export { SUITES } from './suite.js';
