/**
 * JVM flags for Kafka and Cassandra on a small shared machine (2 cores, chatlab's rates of
 * 100–1,000 msg/s), chosen by profile and measurement (bench/cold-path.ts and JFR, issue 11):
 * - C1 only (`TieredStopAtLevel=1`): JFR's per-thread CPU showed the C2 compiler threads as the
 *   busiest threads of both JVMs six minutes after start (Kafka 8%, Cassandra 11% of a core at
 *   100 msg/s; 5% and 2% idle), and they come back whenever the load changes. C1 code is slower
 *   per call, but at these rates compiling cost far more than running the code does.
 * - Serial GC: at these allocation rates a young collection of the heap takes milliseconds on
 *   one thread, and G1's concurrent and refinement threads only add wake-ups.
 * Together, measured: Cassandra 11.6% → 6.2% of a core at 100 msg/s and 17.7% → 9.0% at
 * 1,000; Kafka 24.0% → 18.4% at 100 msg/s; idle Kafka + Cassandra 9.9% → 6.5% (contended runs).
 * Measured again once the cold path batched (bench/results/cold-path-2026-12-01-levers-xeon.txt):
 * tiered C2 after 4 min of warm-up, 0.597 → 0.527 ms/msg at 100 msg/s, within the spread of one
 * build (0.41–0.68); C1 stays.
 */
export const SMALL_MACHINE_JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
