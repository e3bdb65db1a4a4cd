/**
 * How a Cairn daemon exposes its meters: a Prometheus registry per daemon with the JVM's meters
 * ({@link dev.cairn.metrics.DaemonMetrics}), scraped at {@code GET /metrics} (on the daemon's own
 * HTTP API, or {@link dev.cairn.metrics.MetricsHttpServer} for the agent, which has none).
 *
 * <p>The meters themselves live with what they measure (the NBD server, the node, the agent's
 * volumes, the controller) and follow one convention: names start with {@code cairn_}, are in base
 * units ({@code _bytes}, {@code _seconds}), counters end in {@code _total}, and no label takes a
 * value per request or per extent. Meters on a hot path are resolved once (per volume, per
 * operation) and only incremented there.
 */
package dev.cairn.metrics;
