package dev.cairn.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.agent.leg.LegConnector;
import dev.cairn.agent.leg.NbdLegIo;
import dev.cairn.agent.replica.AttachedVolume;
import dev.cairn.agent.replica.ReplicatedVolume;
import dev.cairn.agent.replica.ResyncThrottle;
import dev.cairn.agent.replica.VolumeSpec;
import dev.cairn.control.api.AgentApi;
import dev.cairn.nbd.server.ExportCatalog;
import dev.cairn.nbd.server.ExportLookup;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.nbd.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final LegConnector connector;
    private final Map<UUID, AttachedVolume> volumes = new ConcurrentHashMap<>();
    private final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
    /** Shared by every volume's resyncs; the controller sets the rate in each desired view. */
    private final ResyncThrottle throttle;

    private final NbdServer server;
    private final AgentLink link;

    private Agent(AgentConfig config, LegConnector connector) throws IOException {
        this.config = config;
        this.connector = connector;
        this.throttle = new ResyncThrottle(config.volumes().clock(), Thread::sleep, 0);
        this.server = NbdServer.start(ServerConfig.defaults(config.nbd()), new Catalog());
        this.link = new AgentLink(this, config);
    }

    public static Agent start(AgentConfig config) throws IOException {
        return start(config, NbdLegIo.connector(config.volumes().legTimeout()));
    }

    public static Agent start(AgentConfig config, LegConnector connector) throws IOException {
        Agent agent = new Agent(config, connector);
        try {
            if (config.readyFile().isPresent()) {
                agent.writeReadyFile(config.readyFile().get());
            }
            agent.link.start();
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        }
        log.info("agent {} ready: NBD on {}", config.host(), agent.nbdAddressText());
        return agent;
    }

    public InetSocketAddress nbdAddress() {
        return server.address();
    }

    String nbdAddressText() {
        return nbdAddress().getHostString() + ":" + nbdAddress().getPort();
    }

    private void writeReadyFile(Path file) throws IOException {
        byte[] json = new ObjectMapper()
                .writeValueAsString(Map.of("host", config.host(), "nbd", nbdAddressText()))
                .getBytes(StandardCharsets.UTF_8);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, json);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
            VolumeSpec spec;
            try {
                spec = VolumeSpec.of(a);
            } catch (IllegalArgumentException e) {
                keepDespiteBadView(a, e.getMessage()).ifPresent(wanted::add);
                continue;
            }
            wanted.add(spec.volumeId());
            AttachedVolume current = volumes.get(spec.volumeId());
            if (current != null && current.spec().generation() == spec.generation()) {
                try {
                    current.reconfigure(spec);
                } catch (IllegalArgumentException e) {
                    log.error("volume {}: keeps being served as it is: {}", spec.name(), e.getMessage());
                }
                continue;
            }
            if (current != null) {
                log.info(
                        "volume {}: attachment moved from generation {} to {}",
                        spec.name(),
                        current.spec().generation(),
                        spec.generation());
                stop(current);
            }
            log.info(
                    "volume {} ({}): attached at generation {}, {} legs",
                    spec.name(),
                    spec.volumeId(),
                    spec.generation(),
                    spec.legs().size());
            volumes.put(
                    spec.volumeId(),
                    AttachedVolume.start(spec, connector, config.volumes(), throttle, link::reportSoon));
        }
        for (AttachedVolume v : List.copyOf(volumes.values())) {
            if (!wanted.contains(v.spec().volumeId())) {
                log.info("volume {}: detached from this host", v.spec().name());
                volumes.remove(v.spec().volumeId());
                stop(v);
            }
        }
    }

    /**
     * A volume the controller lists in a way that cannot be served (no legs, legs of different
     * sizes...): one already served keeps being served as it is, rather than being detached on a
     * bad view; it is detached only when the controller stops listing it.
     */
    private Optional<UUID> keepDespiteBadView(AgentApi.AttachedVolume a, String why) {
        Optional<UUID> id;
        try {
            id = Optional.of(UUID.fromString(a.volumeId()));
        } catch (IllegalArgumentException e) {
            id = Optional.empty();
        }
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

    private void stop(AttachedVolume v) {
        v.close();
        int cut = server.disconnectExport(v.spec().volumeId().toString());
        if (cut > 0) {
            log.info("volume {}: disconnected {} NBD client(s)", v.spec().name(), cut);
        }
    }

    List<AgentApi.VolumeReport> reports() {
        return volumes.values().stream().map(AttachedVolume::report).toList();
    }

    private final class Catalog implements ExportCatalog {
        @Override
        public List<Listing> list() {
            List<Listing> out = new ArrayList<>();
            for (AttachedVolume v : volumes.values()) {
                v.serving()
                        .ifPresent(
                                r -> out.add(new Listing(r.spec().volumeId().toString(), VolumeSession.describe(r))));
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
            AttachedVolume v = volumes.get(id);
            if (v == null) {
                return new ExportLookup.Unknown("volume " + id + " is not attached to host " + config.host());
            }
            Optional<ReplicatedVolume> serving = v.serving();
            if (serving.isEmpty()) {
                return new ExportLookup.Refused(
                        "volume " + v.spec().name() + " is attached but not ready: " + v.waitingFor());
            }
            return new ExportLookup.Found(new VolumeSession(serving.get(), requests));
        }

        private static String shorten(String s) {
            return s.length() > 80 ? s.substring(0, 80) + "..." : s;
        }
    }

    @Override
    public void close() {
        link.close();
        server.close();
        volumes.values().forEach(AttachedVolume::close);
        volumes.clear();
        requests.close();
        log.info("agent {} stopped", config.host());
    }
}
