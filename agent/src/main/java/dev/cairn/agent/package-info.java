/**
 * The client agent ({@code cairn agent}): serves every volume attached to its host as a local NBD
 * export named by the volume id, and replicates it over its legs (DESIGN.md section 5).
 *
 * <p>Who may use the volumes: the exports are served on a Unix domain socket that only the
 * agent's user (and, with {@code --nbd-group}, one group) can connect to, reached as {@code
 * nbd+unix:///VOLUME-ID?socket=PATH}; the socket's path is the NBD address the agent reports. NBD
 * carries no credentials, so TCP, which any host that reaches the port could use, is refused until
 * the agent's NBD speaks TLS ({@link dev.cairn.agent.AgentConfig}).
 *
 * <p>Threads: the NBD server's acceptor and per-connection reader and writer; one virtual thread
 * per NBD request (it waits on the legs); per volume one maintenance thread, one superblock writer
 * and a resync thread per leg being synced; two virtual threads talk to the controller (heartbeat, long poll of the
 * attached volumes); the JDK's HTTP server answers {@code GET /metrics} on {@code --metrics}, one
 * virtual thread per scrape (see {@link dev.cairn.agent.VolumeMetrics} for what it shows). The agent keeps no state of its own on disk: what must survive it (the
 * write-intent bitmap, the event counter, the in-sync set) is in every leg's header.
 *
 * <p>The NBD side ({@link dev.cairn.agent.Agent}'s export catalog, {@link
 * dev.cairn.agent.VolumeSession}, {@link dev.cairn.agent.VolumeMetrics}) knows a volume only as a
 * {@link dev.cairn.agent.ServedVolume} (ASSEMBLING, SERVING, CLOSED); replicated volumes are one
 * kind ({@link dev.cairn.agent.replica}), created by {@code ReplicatedVolume.attach}.
 *
 * <p>Each desired view from the controller sets the resync rate ({@code syncBytesPerSecond}, all
 * volumes together, 0 for no cap) and the attached volumes: a volume at a new generation is
 * stopped and attached again; at the same generation its legs are reconfigured in place (moved,
 * added, removed) without touching the NBD export; a view the agent cannot serve (no legs, a leg
 * twice, another geometry) leaves a served volume as it is.
 */
package dev.cairn.agent;
