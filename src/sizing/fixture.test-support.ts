import { FIGURES, PER_KIND, type Calibration, type FigureName, type PerKindName } from './calibration.js';

/** A calibration with round made-up figures, so tests can do the model's arithmetic by hand. */
export function syntheticCalibration(over: Partial<Record<FigureName, number>> = {}, perKind: Partial<Record<PerKindName, Record<string, number>>> = {}): Calibration {
  const base: Record<FigureName, number> = Object.fromEntries(Object.keys(FIGURES).map((k) => [k, 0])) as Record<FigureName, number>;
  Object.assign(base, {
    gatewayUsPerFrameInbox: 20,
    gatewayUsPerFrameGroup: 11,
    groupFramesPerGatewayMessage: 10,
    gatewayUsPerSend: 100,
    gatewayBytesPerIdleConnection: 50_000,
    gatewayBytesPerActiveConnection: 80_000,
    redisUsPerPublish: 2,
    redisUsPerDelivery: 1,
    redisBytesPerSubscription: 200,
    kafkaUsPerMessage: 50,
    persistUsPerMessage: 40,
    cassandraUsPerWrite: 60,
    cassandraBytesPerMessage: 100,
    kafkaBytesPerMessage: 300,
    dbWritesPerReadWriteBack: 0.1,
    ...over,
  });
  return {
    schema: 1,
    measuredAt: '2026-01-01T00:00:00Z',
    machine: { cpuModel: 'test', cores: 2, clockMHz: 2000, memoryGiB: 24 },
    versions: {},
    figures: Object.fromEntries(Object.entries(base).map(([k, v]) => [k, figureOfValue(v)])) as Calibration['figures'],
    ...byKind(perKind),
    usl: { points: [], sigma: 0, kappa: 0, lambda: 0 },
    notes: [],
  };
}

const figureOfValue = (v: number) => ({ value: v, min: v, max: v, n: 1 });
function byKind(perKind: Partial<Record<PerKindName, Record<string, number>>>): Record<PerKindName, Calibration['baselineUsPerSec']> {
  const names = Object.keys(PER_KIND) as PerKindName[];
  return Object.fromEntries(names.map((n) => [n, Object.fromEntries(Object.entries(perKind[n] ?? {}).map(([k, v]) => [k, figureOfValue(v)]))])) as Record<PerKindName, Calibration['baselineUsPerSec']>;
}
