package dev.cairn.agent;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Backoff;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the controller, on two virtual threads: one heartbeats (registering the
 * host on the first beat) with what the agent sees of its volumes, every interval and soon after
 * any leg changes; the other long-polls the volumes attached to the host and hands them to the
 * agent. Both retry with backoff ({@link Backoff}) while no controller answers; volumes keep being
 * served meanwhile.
 */
final class AgentLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentLink.class);

    /** What the link needs of the agent: what to report, and where to hand the attached volumes. */
    interface Served {
        AgentApi.AgentHeartbeat heartbeat();

        void apply(AgentApi.AgentDesiredView desired);
    }

    private final Served agent;
    private final AgentConfig config;
    private final Backoff.Sleeper sleeper;
    private final ControlClient client;
    private final String base;
    private final Semaphore reportNow = new Semaphore(0);
    private final Thread heartbeats;
    private final Thread polling;
    private volatile boolean closed;
    private volatile boolean registered;
    /** Highest applied index seen: an older answer (from a lagging peer) is ignored. */
    private long newestSeen = -1;

    AgentLink(Agent agent, AgentConfig config) {
        this(
                new Served() {
                    @Override
                    public AgentApi.AgentHeartbeat heartbeat() {
                        return new AgentApi.AgentHeartbeat(agent.nbdAddressText(), agent.reports());
                    }

                    @Override
                    public void apply(AgentApi.AgentDesiredView desired) {
                        agent.apply(desired);
                    }
                },
                config,
                Thread::sleep);
    }

    /** {@code sleeper} takes the pauses between failed attempts (a test's records them). */
    AgentLink(Served agent, AgentConfig config, Backoff.Sleeper sleeper) {
        this.agent = agent;
        this.config = config;
        this.sleeper = sleeper;
        this.client =
                new ControlClient(config.controllers(), config.token(), Duration.ofSeconds(10), config.controllerTls());
        this.base = "/v1/internal/agents/" + config.host();
        this.heartbeats = Thread.ofVirtual().name("agent-heartbeat").unstarted(this::heartbeatLoop);
        this.polling = Thread.ofVirtual().name("agent-desired").unstarted(this::pollLoop);
    }

    void start() {
        heartbeats.start();
        polling.start();
    }

    /** A leg changed: report it soon rather than at the next interval (unless the controller is unreachable). */
    void reportSoon() {
        reportNow.release();
    }

    private void heartbeatLoop() {
        Backoff backoff = new Backoff(log, sleeper);
        while (!closed) {
            try {
                client.send("POST", base + "/heartbeat", agent.heartbeat());
                if (!registered) {
                    registered = true;
                    log.info("agent {} registered with the controller", config.host());
                }
                backoff.reset();
            } catch (ControlException e) {
                if (closed) {
                    return;
                }
                // Leg changes do not cut this pause short: a fenced agent cut off from the controller
                // sees its legs fail over and over, and would retry many times a second. What changed
                // meanwhile goes out with the next heartbeat anyway.
                backoff.pause("heartbeat to the controller", e);
                reportNow.drainPermits();
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                continue;
            }
            try {
                if (reportNow.tryAcquire(config.reportEvery().toMillis(), TimeUnit.MILLISECONDS)) {
                    Thread.sleep(50); // let a burst of leg changes go out as one report
                    reportNow.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void pollLoop() {
        Backoff backoff = new Backoff(log, sleeper);
        long after = -1;
        while (!closed && !Thread.currentThread().isInterrupted()) {
            try {
                AgentApi.AgentDesiredView desired = client.poll(
                        base + "/desired?after=" + after + "&waitMillis="
                                + config.pollWait().toMillis(),
                        AgentApi.AgentDesiredView.class,
                        config.pollWait());
                backoff.reset();
                if (desired.appliedIndex() < newestSeen) {
                    continue;
                }
                newestSeen = desired.appliedIndex();
                agent.apply(desired);
                after = desired.changedAt();
            } catch (ControlException e) {
                if (closed) {
                    return;
                }
                backoff.pause("fetching the attached volumes", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        heartbeats.interrupt();
        polling.interrupt();
        try {
            heartbeats.join(TimeUnit.SECONDS.toMillis(5));
            polling.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
