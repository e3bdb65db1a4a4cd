package dev.cairn.agent;

import dev.cairn.agent.replica.VolumeSettings;
import dev.cairn.nbd.NbdAddress;
import dev.cairn.nbd.server.Listen;
import dev.cairn.nbd.tls.NbdTls;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * How an agent runs.
 *
 * @param host the name the agent registers under; volumes are attached to it
 * @param nbd where the volumes are served: a Unix socket file that only the agent's user (or also
 *     one group) may connect to, or TCP, and then only over TLS ({@code tls.serving})
 * @param metrics where {@code /metrics} is served (port 0 picks one)
 * @param controllers the controller peers' REST URLs
 * @param token the bearer token agents use (the controller's node token)
 * @param controllerTls what {@code https://} controller URLs are checked with (the JDK's CAs when
 *     empty)
 * @param reportEvery how often the agent heartbeats (and at once when a leg changes)
 * @param pollWait how long one long poll for the attached volumes may wait
 * @param volumes how each volume treats its legs
 * @param readyFile once serving, the agent writes its host, NBD address and metrics URL here as JSON
 * @param tls TLS for NBD: what the agent's own export requires of its clients, and what it uses to
 *     reach the legs on the storage nodes (then every node must serve TLS)
 */
public record AgentConfig(
        String host,
        Listen nbd,
        InetSocketAddress metrics,
        List<URI> controllers,
        Optional<String> token,
        Optional<SSLContext> controllerTls,
        Duration reportEvery,
        Duration pollWait,
        VolumeSettings volumes,
        Optional<Path> readyFile,
        NbdTls tls) {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public AgentConfig {
        controllers = List.copyOf(controllers);
        if (!HOST.matcher(host).matches()) {
            throw new IllegalArgumentException("host name '" + host
                    + "' must be letters, digits, '.', '_' or '-' (up to 63, not starting with a symbol)");
        }
        if (controllers.isEmpty()) {
            throw new IllegalArgumentException("an agent needs the controller's URL");
        }
        if (nbd instanceof Listen.Tcp tcp && tls.serving().isEmpty()) {
            throw new IllegalArgumentException("the agent serves NBD over TCP (--nbd-listen "
                    + NbdAddress.text(tcp.address()) + ") only with TLS: give --tls-cert and --tls-key, or"
                    + " --tls-psk-file (without TLS, anyone who can reach the port reads and writes every attached"
                    + " volume). Or leave out --nbd-listen to serve on the Unix socket (--nbd-socket PATH,"
                    + " --nbd-group GROUP)");
        }
        if (nbd instanceof Listen.Unix && tls.serving().isPresent()) {
            throw new IllegalArgumentException("the agent's TLS options (--tls-...) are for its TCP export"
                    + " (--nbd-listen HOST:PORT); the Unix socket is guarded by its permissions instead");
        }
        if (!reportEvery.isPositive() || !volumes.legTimeout().isPositive()) {
            throw new IllegalArgumentException("report interval and leg timeout must be positive");
        }
    }
}
