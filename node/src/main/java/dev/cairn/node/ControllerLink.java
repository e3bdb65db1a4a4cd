package dev.cairn.node;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlException;
import dev.cairn.control.api.ControllerSession;
import dev.cairn.control.api.NodeName;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.drive.Drive;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.drive.SpaceUsage;
import dev.cairn.erasure.ReedSolomon;
import dev.cairn.legs.io.NbdLegIo;
import dev.cairn.legs.sync.ResyncThrottle;
import dev.cairn.node.copy.LegCopies;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of the controller: registers on start, heartbeats its inventory, and converges on
 * the extents the controller wants and the copies of legs of detached volumes it asks this node to
 * make ({@link LegCopies}) (level-triggered: it long-polls its desired state, reconciles, and
 * reports), through a {@link ControllerSession}: its threads retry with backoff while no controller
 * answers, and the node keeps serving its extents meanwhile.
 */
public final class ControllerLink implements AutoCloseable, ControllerSession.Member<Views.DesiredView> {
    private static final Logger log = LoggerFactory.getLogger(ControllerLink.class);
    /** A leg that does not answer a request of a copy within this is given up on (the copy retries). */
    private static final Duration COPY_TIMEOUT = Duration.ofSeconds(30);
    /** A leg that does not finish its handshake or show its header within this is unreachable for now. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    /** Regions one copy moves at once. */
    private static final int COPY_WORKERS = 8;

    /**
     * Where the controller is and how often to talk to it.
     *
     * @param urls the controller peers' REST URLs (any of them can answer)
     * @param token the bearer token nodes use (the controller's node token)
     * @param heartbeatEvery how often the node reports its inventory
     * @param pollWait how long one long poll for the desired state may wait for a change
     * @param advertiseNbd the NBD address agents are told to use, when not the listening one (NAT, a
     *     proxy)
     * @param https what {@code https://} URLs are checked with (the JDK's CAs when empty)
     * @param name the node's name in the cluster (unique there); empty: the controller names it
     *     after its {@code host} label
     */
    public record Settings(
            List<URI> urls,
            Optional<String> token,
            Duration heartbeatEvery,
            Duration pollWait,
            Optional<String> advertiseNbd,
            Optional<SSLContext> https,
            Optional<String> name) {
        public Settings {
            name.ifPresent(NodeName::check);
            urls = List.copyOf(urls);
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("no controller URL given");
            }
        }
    }

    private final StorageNode node;
    private final Settings settings;
    private final ControlClient client;
    private final Reconciler reconciler;
    /** The node's own copies of legs of detached volumes, as the desired state asks for them. */
    private final LegCopies copies;

    private final ControllerSession<Views.DesiredView> session;
    private volatile boolean registered;
    /** Applied index of the last desired state fully converged on; reported with heartbeats. */
    private volatile long reconciledIndex = -1;

    private volatile List<String> errors = List.of();
    /** Whether the erasure codec's warm-up was started (once a BStore is desired here). */
    private volatile boolean codecWarming;

    private ControllerLink(StorageNode node, Settings settings) {
        this.node = node;
        this.settings = settings;
        this.client = new ControlClient(settings.urls(), settings.token(), Duration.ofSeconds(10), settings.https());
        this.reconciler = new Reconciler(node);
        this.copies = new LegCopies(
                new LegCopies.Context(
                        node.extents()::extent,
                        node.ioExecutor(),
                        NbdLegIo.connector(PROBE_TIMEOUT, node.legTls()),
                        ResyncThrottle.unlimited(),
                        COPY_TIMEOUT,
                        PROBE_TIMEOUT,
                        COPY_WORKERS),
                InstantSource.system(),
                this::reportSoon);
        this.session = new ControllerSession<>(
                client,
                this,
                new ControllerSession.Settings(
                        "cairn-node", settings.heartbeatEvery(), settings.pollWait(), Duration.ZERO));
    }

    static ControllerLink start(StorageNode node, Settings settings) {
        ControllerLink link = new ControllerLink(node, settings);
        link.session.start();
        return link;
    }

    private void reportSoon() {
        session.reportSoon();
    }

    public long reconciledIndex() {
        return reconciledIndex;
    }

    @Override
    public void heartbeat(ControlClient control) throws ControlException {
        if (!registered) {
            register(control);
        }
        long sent = node.kvGate().now();
        control.node(node.nodeId()).heartbeat(heartbeat());
        node.kvGate().heard(sent);
    }

    @Override
    public void forgotten() {
        registered = false; // the controller does not know this node (any more)
    }

    @Override
    public Views.DesiredView desired(ControlClient control, long after, Duration wait) throws ControlException {
        return control.node(node.nodeId()).desired(after, wait);
    }

    @Override
    public boolean apply(Views.DesiredView desired) {
        return converge(desired);
    }

    private void register(ControlClient control) throws ControlException {
        Views.NodeView v = control.node(node.nodeId())
                .register(new Requests.Register(
                        settings.advertiseNbd().orElse(address(node.nbdAddress())),
                        "http://" + address(node.adminAddress()),
                        node.labels(),
                        drives(),
                        settings.name().orElse(null)));
        registered = true;
        log.info("registered with the controller as node {} ({}, labels {})", v.name(), v.id(), v.labels());
        if (settings.name().isPresent() && !settings.name().get().equals(v.name())) {
            log.warn(
                    "--name {} is taken by another node: this node keeps its name, {}; stop the other, or give"
                            + " this one another --name",
                    settings.name().get(),
                    v.name());
        }
    }

    /** How others reach a listening address: its IP, or this host's name when bound to all. */
    private static String address(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        String host;
        if (ip == null) {
            host = a.getHostString();
        } else if (ip.isAnyLocalAddress()) {
            try {
                host = InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        } else {
            host = ip.getHostAddress();
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** One reconciliation pass; true if it fully converged. Reports at once when anything changed. */
    boolean converge(Views.DesiredView d) {
        Reconciler.Result r = reconciler.apply(d);
        if (!codecWarming && d.extents().stream().anyMatch(e -> e.kind() == Views.ExtentKind.BSTORE)) {
            // A node holding BStores may be asked to rebuild one: its codec is compiled now, while
            // idle, not during its first rebuild, when every node's drives are busy.
            codecWarming = true;
            Thread.ofVirtual().name("codec-warm-up").start(ReedSolomon::warmUp);
        }
        node.kvGate().desired(d);
        copies.update(d.copies(), d.rebuilds(), d.copyBytesPerSecond());
        errors = Requests.reportable(r.errors());
        if (r.errors().isEmpty()) {
            reconciledIndex = d.appliedIndex();
        }
        if (r.changed() || !r.errors().isEmpty()) {
            reportSoon();
        }
        return r.errors().isEmpty();
    }

    private Requests.Heartbeat heartbeat() {
        // The reconciled index is read before the extents are listed: everything converged up to
        // it is already reflected in the list (the controller relies on that to forget orphans).
        long reconciled = reconciledIndex;
        List<Requests.ExtentReport> extents = new ArrayList<>();
        for (ExtentService.Located e : node.extents().list()) {
            extents.add(new Requests.ExtentReport(
                    e.record().id().toString(),
                    e.drive().id().toString(),
                    e.record().sizeBytes(),
                    e.record().state() != ExtentRecord.State.ACTIVE,
                    e.record().access().generation(),
                    e.record().kind().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return new Requests.Heartbeat(drives(), extents, errors, reconciled, copies.reports());
    }

    private List<Requests.DriveReport> drives() {
        List<Requests.DriveReport> drives = new ArrayList<>();
        for (Drive d : node.extents().drives()) {
            SpaceUsage u = d.usage();
            drives.add(new Requests.DriveReport(
                    d.id().toString(), d.label().capacityBytes(), u.dataBytes(), u.usedBytes(), u.largestFreeBytes()));
        }
        return drives;
    }

    @Override
    public void close() {
        session.close();
        copies.close();
    }
}
