/**
 * JVM flags for Kafka and Cassandra on a small shared machine (2 cores, chatlab's rates of
 * 100–1,000 msg/s), chosen by profile and measurement (bench/cold-path.ts, JFR; issue 11):
 * - C1 only (`TieredStopAtLevel=1`): minutes after start the C2 compiler threads were still the
 *   largest CPU consumer of both JVMs (8–11% of a core each under load, ~5% idle); C1 code is
 *   slower per call, but at these rates the compiling cost far more than the code runs.
 * - Serial GC: a young collection of a few hundred MB with a single thread takes milliseconds
 *   at these allocation rates, and G1's concurrent and refinement threads wake up for nothing.
 */
export const SMALL_MACHINE_JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
