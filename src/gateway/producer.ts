import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';

interface Pending {
  key: string;
  value: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * An idempotent Kafka producer that batches on its own rhythm: while one request is in flight,
 * new messages queue; when it completes, everything queued goes in the next request. One
 * request at a time keeps per-partition order. A request also waits `lingerMs` after the
 * first message that finds the producer idle (Kafka's linger.ms): the broker's cost is per
 * request, so a few ms of ack latency buys far fewer requests at moderate rates.
 */
export class BatchingProducer {
  private readonly producer: Producer;
  private queue: Pending[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(
    brokers: string[],
    private readonly topic: string,
    private readonly batchMax: number,
    private readonly onAcked: (n: number) => void,
    clientId = 'chatlab-gateway',
    private readonly lingerMs = 0,
  ) {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.WARN, retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 3000 } });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Resolves once Kafka has the message (acks=all). */
  send(key: string, value: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, value, resolve, reject });
      if (!this.inFlight) this.inFlight = this.lingerMs > 0 ? sleep(this.lingerMs).then(() => this.pump()) : this.pump();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private async pump(): Promise<void> {
    // A linger wait before the first request; later requests go at once (the one in flight was the wait).
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchMax);
      try {
        await this.producer.send({ topic: this.topic, acks: -1, messages: batch.map((p) => ({ key: p.key, value: p.value })) });
        this.onAcked(batch.length);
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.inFlight = null;
  }

  /** Waits for everything queued to be acknowledged (or failed), then disconnects. */
  async disconnect(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    await this.producer.disconnect();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
