package dev.cairn.agent;

import dev.cairn.control.api.AgentApi;
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
 * agent. Both retry with backoff while no controller answers; volumes keep being served meanwhile.
 */
final class AgentLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentLink.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final Agent agent;
    private final AgentConfig config;
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
        this.agent = agent;
        this.config = config;
        this.client = new ControlClient(config.controllers(), config.token(), Duration.ofSeconds(10));
        this.base = "/v1/internal/agents/" + config.host();
        this.heartbeats = Thread.ofVirtual().name("agent-heartbeat").unstarted(this::heartbeatLoop);
        this.polling = Thread.ofVirtual().name("agent-desired").unstarted(this::pollLoop);
    }

    void start() {
        heartbeats.start();
        polling.start();
    }

    /** A leg changed: report it soon rather than at the next interval. */
    void reportSoon() {
        reportNow.release();
    }

    private void heartbeatLoop() {
        Duration backoff = Duration.ofMillis(200);
        while (!closed) {
            Duration wait = config.reportEvery();
            try {
                client.send(
                        "POST",
                        base + "/heartbeat",
                        new AgentApi.AgentHeartbeat(agent.nbdAddressText(), agent.reports()));
                if (!registered) {
                    registered = true;
                    log.info("agent {} registered with the controller", config.host());
                }
                backoff = Duration.ofMillis(200);
            } catch (ControlException e) {
                log.warn("heartbeat to the controller failed: {}", e.getMessage());
                wait = backoff;
                backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
            }
            try {
                if (reportNow.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    Thread.sleep(50); // let a burst of leg changes go out as one report
                    reportNow.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void pollLoop() {
        Duration backoff = Duration.ofMillis(200);
        long after = -1;
        while (!closed) {
            try {
                AgentApi.AgentDesiredView desired = client.poll(
                        base + "/desired?after=" + after + "&waitMillis="
                                + config.pollWait().toMillis(),
                        AgentApi.AgentDesiredView.class,
                        config.pollWait());
                backoff = Duration.ofMillis(200);
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
                log.warn("fetching the attached volumes failed: {}", e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
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
