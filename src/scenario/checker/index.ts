export { checkDeliveries } from './check.js';
export type * from './types.js';
export { MembershipTimeline } from './membership.js';
