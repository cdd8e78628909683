import { describe, expect, it } from 'vitest';
import { nativePortOf } from './cassandra.js';

describe("the driver's port for the nodes it discovers", () => {
  it("is the contact points' port when they share one (the cluster topology), else the driver's default", () => {
    expect(nativePortOf(['127.0.42.2:15425', '127.0.42.3:15425', '127.0.42.4:15425'])).toEqual({ protocolOptions: { port: 15425 } });
    expect(nativePortOf(['127.0.0.1:9142'])).toEqual({ protocolOptions: { port: 9142 } });
    expect(nativePortOf(['10.0.0.1:9042', '10.0.0.2:9043'])).toEqual({});
    expect(nativePortOf(['cassandra.example'])).toEqual({});
  });
});
