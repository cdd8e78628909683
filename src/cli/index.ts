/** The CLI's public face for code outside it (tests): the stack a `chatlab run` starts for itself. */
export { startRunStack, stopRunStack } from './run.js';
