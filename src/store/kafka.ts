/**
 * kafkajs, with its idle timer loop fixed. Import Kafka from here, never from 'kafkajs'.
 *
 * kafkajs 2.2.4's RequestQueue re-schedules its pending-request check after every check, even
 * when nothing is pending; with no throttle the delay is negative, so each broker connection
 * runs a 1 ms timer loop for its whole life (unfixed upstream: https://github.com/tulios/kafkajs/issues/1556 and
 * https://github.com/tulios/kafkajs/issues/1704).
 * A CPU profile of an idle gateway put a fifth of its busy time there. With nothing pending
 * there is nothing to check: a request pushed later schedules its own check, and a response
 * checks the queue when it arrives, so skipping the timer then loses nothing.
 */
import { createRequire } from 'node:module';

interface RequestQueueLike {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike & { chatlabIdleFix?: true } };

if (!RequestQueue.prototype.chatlabIdleFix) {
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  RequestQueue.prototype.chatlabIdleFix = true;
}

/** The patched class, for the test that checks the patch holds. */
export const KafkaRequestQueue = RequestQueue;
export { Kafka, Partitioners, logLevel } from 'kafkajs';
/** kafkajs is CommonJS and this enum is not one of the names Node's ESM import can see in it. */
export const ConfigResourceTypes = (require('kafkajs') as typeof import('kafkajs')).ConfigResourceTypes;
export type { Admin, Consumer, EachBatchPayload, logCreator, Producer } from 'kafkajs';
