package dev.cairn.agent;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Backoff;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlException;
import dev.cairn.control.api.ControllerSession;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the controller, a {@link ControllerSession}: it heartbeats (registering the
 * host on the first beat) with what the agent sees of its volumes, every interval and soon after
 * any leg changes, and long-polls the volumes attached to the host and hands them to the agent.
 * Volumes keep being served while no controller answers.
 */
final class AgentLink implements AutoCloseable, ControllerSession.Member<AgentApi.AgentDesiredView> {
    private static final Logger log = LoggerFactory.getLogger(AgentLink.class);
    /** A burst of leg changes goes out as one report: the heartbeat asked for waits this long first. */
    private static final Duration COALESCE = Duration.ofMillis(50);

    /** What the link needs of the agent: what to report, and where to hand the attached volumes. */
    interface Served {
        AgentApi.AgentHeartbeat heartbeat();

        void apply(AgentApi.AgentDesiredView desired);
    }

    private final Served agent;
    private final AgentConfig config;
    private final ControllerSession<AgentApi.AgentDesiredView> session;
    private volatile boolean registered;

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

    /** {@code sleeper} takes the session's pauses (a test's records them). */
    AgentLink(Served agent, AgentConfig config, Backoff.Sleeper sleeper) {
        this.agent = agent;
        this.config = config;
        ControlClient client =
                new ControlClient(config.controllers(), config.token(), Duration.ofSeconds(10), config.controllerTls());
        this.session = new ControllerSession<>(
                client,
                this,
                new ControllerSession.Settings("agent", config.reportEvery(), config.pollWait(), COALESCE),
                sleeper);
    }

    void start() {
        session.start();
    }

    /** A leg changed: report it soon rather than at the next interval (unless the controller is unreachable). */
    void reportSoon() {
        session.reportSoon();
    }

    @Override
    public void heartbeat(ControlClient control) throws ControlException {
        control.agent(config.host()).heartbeat(agent.heartbeat());
        if (!registered) {
            registered = true;
            log.info("agent {} registered with the controller", config.host());
        }
    }

    @Override
    public AgentApi.AgentDesiredView desired(ControlClient control, long after, Duration wait) throws ControlException {
        return control.agent(config.host()).desired(after, wait);
    }

    @Override
    public boolean apply(AgentApi.AgentDesiredView desired) {
        agent.apply(desired);
        return true;
    }

    @Override
    public void close() {
        session.close();
    }
}
