package dev.cairn.node;

import dev.cairn.control.api.Backoff;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlException;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.drive.Drive;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.drive.SpaceUsage;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of the controller: registers on start, heartbeats its inventory, and converges on
 * the extents the controller wants and the copies of legs of detached volumes it asks this node to
 * make ({@link LegCopies}) (level-triggered: it long-polls its desired state, reconciles, and
 * reports). Two virtual threads, one for heartbeats and one for reconciliation; both retry with
 * backoff while no controller answers, and the node keeps serving its extents meanwhile.
 */
public final class ControllerLink implements AutoCloseable {
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
     */
    public record Settings(
            List<URI> urls,
            Optional<String> token,
            Duration heartbeatEvery,
            Duration pollWait,
            Optional<String> advertiseNbd,
            Optional<SSLContext> https) {
        public Settings {
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

    private final String base;
    private final Semaphore heartbeatNow = new Semaphore(0);
    private final Thread heartbeats;
    private final Thread reconciling;
    private volatile boolean closed;
    private volatile boolean registered;
    /** Applied index of the last desired state fully converged on; reported with heartbeats. */
    private volatile long reconciledIndex = -1;
    /** Highest applied index seen: an answer older than that (a lagging peer) is ignored. */
    private long newestSeen = -1;

    private volatile List<String> errors = List.of();

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
                heartbeatNow::release);
        this.base = "/v1/internal/nodes/" + node.nodeId();
        this.heartbeats = Thread.ofVirtual().name("cairn-heartbeat").unstarted(this::heartbeatLoop);
        this.reconciling = Thread.ofVirtual().name("cairn-reconcile").unstarted(this::reconcileLoop);
    }

    static ControllerLink start(StorageNode node, Settings settings) {
        ControllerLink link = new ControllerLink(node, settings);
        link.heartbeats.start();
        link.reconciling.start();
        return link;
    }

    private boolean running() {
        return !closed && !Thread.currentThread().isInterrupted();
    }

    public long reconciledIndex() {
        return reconciledIndex;
    }

    private void heartbeatLoop() {
        Backoff backoff = new Backoff(log);
        while (running()) {
            try {
                if (!registered) {
                    register();
                }
                client.send("POST", base + "/heartbeat", heartbeat());
                backoff.reset();
                heartbeatNow.tryAcquire(settings.heartbeatEvery().toMillis(), TimeUnit.MILLISECONDS);
                heartbeatNow.drainPermits();
            } catch (ControlException e) {
                if (!running()) {
                    return;
                }
                if (e.status() == 404) {
                    registered = false; // the controller does not know this node (any more)
                }
                backoff.pause("heartbeat", e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void register() throws ControlException {
        Views.NodeView v = client.post(
                base + "/register",
                new Requests.Register(
                        settings.advertiseNbd().orElse(address(node.nbdAddress())),
                        "http://" + address(node.adminAddress()),
                        node.labels(),
                        drives()),
                Views.NodeView.class);
        registered = true;
        log.info("registered with the controller as node {} (labels {})", v.id(), v.labels());
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

    private void reconcileLoop() {
        Backoff backoff = new Backoff(log);
        long after = -1;
        while (running()) {
            try {
                Views.DesiredView d = client.poll(
                        base + "/desired?after=" + after + "&waitMillis="
                                + settings.pollWait().toMillis(),
                        Views.DesiredView.class,
                        settings.pollWait());
                if (!accept(d)) {
                    continue;
                }
                if (converge(d)) {
                    after = d.changedAt();
                    backoff.reset();
                } else {
                    after = -1; // something failed: fetch again (after a pause) and retry
                    backoff.pause("reconcile", null);
                }
            } catch (ControlException e) {
                if (!running()) {
                    return;
                }
                backoff.pause("desired state", e);
            }
        }
    }

    /** False for an answer older than one already seen (from a peer that lags); it is ignored. */
    synchronized boolean accept(Views.DesiredView d) {
        if (d.appliedIndex() < newestSeen) {
            log.debug("ignoring a desired state as of {} (already saw {})", d.appliedIndex(), newestSeen);
            return false;
        }
        newestSeen = d.appliedIndex();
        return true;
    }

    /** One reconciliation pass; true if it fully converged. Reports at once when anything changed. */
    boolean converge(Views.DesiredView d) {
        Reconciler.Result r = reconciler.apply(d);
        copies.update(d.copies(), d.copyBytesPerSecond());
        errors = Requests.reportable(r.errors());
        if (r.errors().isEmpty()) {
            reconciledIndex = d.appliedIndex();
        }
        if (r.changed() || !r.errors().isEmpty()) {
            heartbeatNow.release();
        }
        return r.errors().isEmpty();
    }

    private Requests.Heartbeat heartbeat() {
        // The reconciled index is read before the extents are listed: everything converged up to
        // it is already reflected in the list (the controller relies on that to forget orphans).
        long reconciled = reconciledIndex;
        List<Views.ExtentView> extents = new ArrayList<>();
        for (ExtentService.Located e : node.extents().list()) {
            extents.add(new Views.ExtentView(
                    e.record().id().toString(),
                    e.drive().id().toString(),
                    e.record().sizeBytes(),
                    e.record().state() != ExtentRecord.State.ACTIVE,
                    e.record().access().generation()));
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
        closed = true;
        heartbeats.interrupt();
        reconciling.interrupt();
        try {
            heartbeats.join(Duration.ofSeconds(10));
            reconciling.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        copies.close();
    }
}
