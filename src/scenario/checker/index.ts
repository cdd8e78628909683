export { checkDeliveries } from './check.js';
export type * from './types.js';
