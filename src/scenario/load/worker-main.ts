import type { EngineToWorker, WorkerToEngine } from './protocol.js';
import { LoadWorker } from './worker.js';
import { localSearch, localStats, newPhones } from './local-ops.js';

/** Load worker process: forked by the engine, driven over IPC, one tick report a second. */
let worker: LoadWorker | null = null;
let workerId = -1;
let init: Extract<EngineToWorker, { type: 'init' }> | null = null;
const reply = (m: WorkerToEngine): void => {
  process.send?.(m);
};

process.on('message', (msg: EngineToWorker) => {
  void handle(msg).catch((err: unknown) => {
    process.stderr.write(`load worker ${workerId}: ${err instanceof Error ? err.stack : String(err)}\n`);
  });
});
process.on('disconnect', () => process.exit(0));

async function handle(msg: EngineToWorker): Promise<void> {
  if (msg.type === 'init') {
    workerId = msg.workerId;
    init = msg;
    worker = new LoadWorker(msg);
    setInterval(() => worker && reply(worker.recorder.tick(workerId, worker.gauges())), 1000).unref();
    return reply({ type: 'ready', workerId });
  }
  if (!worker) return;
  switch (msg.type) {
    case 'connect':
      await worker.connect(msg.perSecond);
      break;
    case 'rate':
      worker.setRate(msg.perSecond, msg.senders);
      break;
    case 'closed':
      worker.setClosed(msg.thinkMs, msg.senders);
      break;
    case 'send':
      worker.sendFrom(msg.userId, msg.conversationId, msg.count);
      break;
    case 'drop':
      worker.drop(msg.fraction);
      break;
    case 'flap':
      worker.flap(msg.fraction, msg.everyMs, msg.untilMs);
      break;
    case 'member':
      worker.member(msg.userId, msg.conversationId, msg.change, msg.messageId);
      break;
    case 'read':
      worker.read(msg.userId, msg.conversationId, msg.messageId);
      break;
    case 'disconnect':
      worker.disconnect(msg.users);
      break;
    case 'reconnect':
      worker.reconnect(msg.users);
      break;
    case 'collect':
      return reply(worker.collect(workerId));
    case 'local-search':
      return reply({ type: 'local-results', workerId, results: localSearch(worker, msg.queries) });
    case 'local-stats':
      return reply({ type: 'local-stats', workerId, stores: localStats(worker) });
    case 'new-phone':
      return reply({ type: 'rebuilt', workerId, results: await newPhones(worker, init!, msg.users) });
    case 'stop':
      worker.stop();
      reply({ type: 'done', op: 'stop' });
      setTimeout(() => process.exit(0), 100);
      return;
  }
  reply({ type: 'done', op: msg.type });
}
