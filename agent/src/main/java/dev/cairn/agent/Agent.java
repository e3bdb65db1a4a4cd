package dev.cairn.agent;

import dev.cairn.agent.ec.EcSpec;
import dev.cairn.agent.ec.EcVolume;
import dev.cairn.agent.replica.ReplicatedVolume;
import dev.cairn.agent.replica.VolumeSpec;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.ReadyFile;
import dev.cairn.erasure.Kernels;
import dev.cairn.legs.io.LegConnector;
import dev.cairn.legs.io.NbdLegIo;
import dev.cairn.legs.sync.ResyncThrottle;
import dev.cairn.metrics.DaemonMetrics;
import dev.cairn.metrics.MetricsHttpServer;
import dev.cairn.nbd.NbdAddress;
import dev.cairn.nbd.server.ExportCatalog;
import dev.cairn.nbd.server.ExportLookup;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.nbd.server.ServerConfig;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client agent ({@code cairn agent}): serves every volume attached to its host as a local NBD
 * export named by the volume id, replicating each over its legs. It learns its volumes from the
 * controller (level-triggered: it converges on the attached set) and reports what it sees of them.
 * Its meters ({@link VolumeMetrics} per volume, {@code cairn_agent_volumes_attached}, {@code
 * cairn_agent_nbd_connections}, {@code cairn_agent_nbd_buffer_bytes} and the JVM's) are served at {@code /metrics} on their own port.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final LegConnector connector;
    /** A volume attached here and its meters, registered for as long as it is attached. */
    private record Attached(ServedVolume volume, VolumeMetrics metrics) {}

    private final Map<UUID, Attached> volumes = new ConcurrentHashMap<>();
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    /** Shared by every volume's resyncs; the controller sets the rate in each desired view. */
    private final ResyncThrottle throttle;

    private final DaemonMetrics metrics;
    private final NbdServer server;
    private final MetricsHttpServer metricsServer;
    private final AgentLink link;

    private Agent(AgentConfig config, LegConnector connector, DaemonMetrics metrics) throws IOException {
        this.config = config;
        this.connector = connector;
        this.metrics = metrics;
        this.throttle = new ResyncThrottle(config.volumes().clock(), Thread::sleep, 0);
        ServerConfig nbdConfig = ServerConfig.defaults(config.nbd());
        if (config.tls().serving().isPresent()) {
            nbdConfig = nbdConfig.withTls(config.tls().serving().get());
        }
        this.server = NbdServer.start(nbdConfig, new Catalog());
        try {
            this.metricsServer = MetricsHttpServer.start(config.metrics(), metrics);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        Gauge.builder("cairn.agent.volumes.attached", volumes, Map::size)
                .description("Volumes attached to this agent (assembling or serving)")
                .register(metrics.registry());
        Gauge.builder("cairn.agent.nbd.connections", server.stats(), s -> s.open())
                .description("NBD client connections open")
                .register(metrics.registry());
        Gauge.builder("cairn.agent.nbd.buffer", server, NbdServer::bufferBytesInUse)
                .baseUnit("bytes")
                .description("NBD server buffer memory in use: connections' own and the shared write budget's")
                .register(metrics.registry());
        this.link = new AgentLink(this, config);
    }

    public static Agent start(AgentConfig config) throws IOException {
        return start(
                config,
                NbdLegIo.connector(config.volumes().legTimeout(), config.tls().connecting()));
    }

    public static Agent start(AgentConfig config, LegConnector connector) throws IOException {
        DaemonMetrics metrics = DaemonMetrics.create();
        Agent agent;
        try {
            agent = new Agent(config, connector, metrics);
        } catch (IOException | RuntimeException e) {
            metrics.close();
            throw e;
        }
        try {
            if (config.readyFile().isPresent()) {
                agent.writeReadyFile(config.readyFile().get());
            }
            agent.link.start();
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
        log.info(
                "agent {} ready: NBD on {}, metrics on {}, erasure codec kernel {}",
                config.host(),
                agent.nbdAddressText(),
                agent.metricsUrl(),
                Kernels.chosenName());
        return agent;
    }

    /** Where the volumes are served: the Unix socket's address, or TCP's (always with TLS). */
    public SocketAddress nbdAddress() {
        return server.address();
    }

    /**
     * The NBD URI of a volume served here, e.g. {@code nbd+unix:///VOLUME-ID?socket=PATH}, or {@code
     * nbds://HOST:PORT/VOLUME-ID} over TCP (a client adds its TLS parameters).
     */
    public String uri(String volumeId) {
        return NbdAddress.agentUri(nbdAddressText(), volumeId);
    }

    /** Where Prometheus scrapes the agent: {@code http://HOST:PORT/metrics}. */
    public String metricsUrl() {
        return metricsServer.url();
    }

    /** What the agent reports as its NBD address: the socket's path (HOST:PORT for TCP). */
    String nbdAddressText() {
        return NbdAddress.text(server.address());
    }

    private void writeReadyFile(Path file) throws IOException {
        new ReadyFile.Agent(config.host(), nbdAddressText(), metricsUrl()).write(file);
    }

    /** Applies what the controller wants of this host: the resync rate, the attached volumes. */
    void apply(AgentApi.AgentDesiredView desired) {
        try {
            long before = throttle.rate();
            throttle.rate(desired.syncBytesPerSecond());
            if (before != desired.syncBytesPerSecond()) {
                log.info(
                        "resyncs now copy {}",
                        desired.syncBytesPerSecond() == 0
                                ? "as fast as they can"
                                : "at most " + desired.syncBytesPerSecond() + " bytes per second");
            }
        } catch (IllegalArgumentException e) {
            log.error("resync rate left at {} bytes per second: {}", throttle.rate(), e.getMessage());
        }
        converge(desired.volumes());
    }

    ResyncThrottle throttle() {
        return throttle;
    }

    /** Converges on the volumes the controller attached to this host. */
    void converge(List<AgentApi.AttachedVolume> attached) {
        List<UUID> wanted = new ArrayList<>();
        for (AgentApi.AttachedVolume a : attached) {
            if (a.erasure().isPresent()) {
                convergeErasureCoded(a).ifPresent(wanted::add);
                continue;
            }
            VolumeSpec spec;
            try {
                spec = VolumeSpec.of(a);
            } catch (IllegalArgumentException e) {
                keepDespiteBadView(a, e.getMessage()).ifPresent(wanted::add);
                continue;
            }
            wanted.add(spec.volumeId());
            Attached served = volumes.get(spec.volumeId());
            ServedVolume current = served == null ? null : served.volume();
            if (current != null && current.generation() == spec.generation()) {
                try {
                    current.reconfigure(a);
                } catch (IllegalArgumentException e) {
                    log.error("{}: keeps being served as it is: {}", spec.describe(), e.getMessage());
                }
                continue;
            }
            if (current != null) {
                log.info(
                        "{}: attachment moved from generation {} to {}",
                        spec.describe(),
                        current.generation(),
                        spec.generation());
                volumes.remove(spec.volumeId());
                stop(served);
            }
            log.info(
                    "volume {} ({}): attached at generation {}, {} legs",
                    spec.name(),
                    spec.volumeId(),
                    spec.generation(),
                    spec.legs().size());
            ServedVolume started =
                    ReplicatedVolume.attach(spec, connector, config.volumes(), throttle, link::reportSoon);
            volumes.put(spec.volumeId(), new Attached(started, VolumeMetrics.register(metrics.registry(), started)));
        }
        for (Attached a : List.copyOf(volumes.values())) {
            if (!wanted.contains(a.volume().volumeId())) {
                log.info("{}: detached from this host", a.volume().describe());
                volumes.remove(a.volume().volumeId());
                stop(a);
            }
        }
    }

    /**
     * An erasure-coded volume: attached anew at a new generation; at the same generation it is
     * served as it is (its BStores do not change during an attachment yet).
     */
    private Optional<UUID> convergeErasureCoded(AgentApi.AttachedVolume a) {
        EcSpec spec;
        try {
            spec = EcSpec.of(a);
        } catch (IllegalArgumentException e) {
            return keepDespiteBadView(a, e.getMessage());
        }
        Attached served = volumes.get(spec.volumeId());
        if (served != null && served.volume().generation() == spec.generation()) {
            try {
                served.volume().reconfigure(a);
            } catch (IllegalArgumentException e) {
                log.error("{}: keeps being served as it is: {}", spec.describe(), e.getMessage());
            }
            return Optional.of(spec.volumeId());
        }
        if (served != null) {
            log.info(
                    "{}: attachment moved from generation {} to {}",
                    spec.describe(),
                    served.volume().generation(),
                    spec.generation());
            volumes.remove(spec.volumeId());
            stop(served);
        }
        log.info(
                "{}: attached at generation {}, {} PStores of {}+{}",
                spec.describe(),
                spec.generation(),
                spec.pstores().size(),
                spec.geometry().k(),
                spec.geometry().m());
        ServedVolume started = EcVolume.attach(spec, connector, config.volumes(), link::reportSoon);
        volumes.put(spec.volumeId(), new Attached(started, VolumeMetrics.register(metrics.registry(), started)));
        return Optional.of(spec.volumeId());
    }

    /**
     * A volume the controller lists in a way that cannot be served (no legs, legs of different
     * sizes...): one already served keeps being served as it is, rather than being detached on a
     * bad view; it is detached only when the controller stops listing it.
     */
    private Optional<UUID> keepDespiteBadView(AgentApi.AttachedVolume a, String why) {
        Optional<UUID> id = Optional.ofNullable(a.volumeId());
        if (id.isPresent() && volumes.containsKey(id.get())) {
            log.error(
                    "volume {}: the controller's view of it is not usable ({}); it keeps being served as it is",
                    a.name(),
                    why);
            return id;
        }
        log.error("volume {}: cannot serve it: {}", a.name(), why);
        return Optional.empty();
    }

    /** Stops a volume already taken out of {@link #volumes}; its meters go with it. */
    private void stop(Attached a) {
        ServedVolume v = a.volume();
        v.close();
        int cut = server.disconnectExport(v.volumeId().toString());
        if (cut > 0) {
            log.info("{}: disconnected {} NBD client(s)", v.describe(), cut);
        }
        a.metrics().close();
    }

    List<AgentApi.VolumeReport> reports() {
        return volumes.values().stream().map(a -> a.volume().report()).toList();
    }

    private final class Catalog implements ExportCatalog {
        @Override
        public List<Listing> list() {
            List<Listing> out = new ArrayList<>();
            for (Attached a : volumes.values()) {
                ServedVolume v = a.volume();
                if (v.phase() instanceof ServedVolume.Serving) {
                    out.add(new Listing(v.volumeId().toString(), v.description()));
                }
            }
            return out;
        }

        @Override
        public ExportLookup open(String requestedName) {
            UUID id;
            try {
                id = UUID.fromString(requestedName);
            } catch (IllegalArgumentException e) {
                return new ExportLookup.Unknown("'" + shorten(requestedName) + "' is not a volume id");
            }
            Attached a = volumes.get(id);
            if (a == null) {
                return new ExportLookup.Unknown("volume " + id + " is not attached to host " + config.host());
            }
            ServedVolume v = a.volume();
            return switch (v.phase()) {
                case ServedVolume.Assembling assembling ->
                    new ExportLookup.Refused(
                            "volume " + v.name() + " is attached but not ready: " + assembling.waitingFor());
                case ServedVolume.Serving _ ->
                    new ExportLookup.Found(
                            new VolumeSession(v, requests, a.metrics().requests()));
                case ServedVolume.Closed _ -> new ExportLookup.Refused("volume " + v.name() + " is being detached");
            };
        }

        private static String shorten(String s) {
            return s.length() > 80 ? s.substring(0, 80) + "..." : s;
        }
    }

    @Override
    public void close() {
        link.close();
        server.close();
        volumes.values().forEach(a -> {
            a.volume().close();
            a.metrics().close();
        });
        volumes.clear();
        requests.close();
        metricsServer.close();
        metrics.close();
        log.info("agent {} stopped", config.host());
    }
}
