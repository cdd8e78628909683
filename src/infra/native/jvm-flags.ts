/**
 * JVM flags for Kafka and Cassandra on a small shared machine (2 cores, chatlab's rates of
 * 100–1,000 msg/s), chosen by profile and measurement (bench/cold-path.ts and JFR; the figures
 * are in bench/README.md, cold-path):
 * - C1 only (`TieredStopAtLevel=1`): JFR's per-thread CPU showed the C2 compiler threads as the
 *   busiest threads of both JVMs six minutes after start (Kafka 8%, Cassandra 11% of a core at
 *   100 msg/s; 5% and 2% idle), and they come back whenever the load changes. C1 code is slower
 *   per call, but at these rates compiling cost far more than running the code does.
 * - Serial GC: at these allocation rates a young collection of the heap takes milliseconds on
 *   one thread, and G1's concurrent and refinement threads only add wake-ups.
 * Together they cut Cassandra's CPU about in half and Kafka's by about a quarter at these rates,
 * idle included. Tiered C2, measured again once the cold path batched, gained less than the
 * spread between runs of one build, so C1 stays.
 */
export const SMALL_MACHINE_JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
