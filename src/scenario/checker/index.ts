export { checkDeliveries } from './check.js';
export type * from './types.js';
export { LEAK_MEASURES, OBSERVATION_CHANNELS } from './types.js';
export { MembershipTimeline } from './membership.js';
