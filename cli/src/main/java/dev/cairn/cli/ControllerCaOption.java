package dev.cairn.cli;

import dev.cairn.nbd.tls.HttpsTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * {@code --controller-ca}: the CA that a controller served over HTTPS ({@code --tls-cert}) has its
 * certificate from. Nodes, agents and the CLI check {@code https://} controller URLs against it,
 * and against the JDK's trusted CAs when it is not given.
 */
final class ControllerCaOption {
    @Option(
            names = "--controller-ca",
            paramLabel = "FILE",
            description = "Check https:// controller URLs against this CA (PEM) instead of the JDK's CAs"
                    + " (default: $CAIRN_CONTROLLER_CA if set).")
    Optional<Path> ca = Optional.empty();

    /** The client context: the CA named, loaded, or none (the JDK's CAs). */
    Optional<SSLContext> load() throws IOException {
        Optional<Path> file =
                ca.or(() -> Caller.current().variable("CAIRN_CONTROLLER_CA").map(Caller.current()::path));
        return file.isEmpty() ? Optional.empty() : Optional.of(HttpsTls.client(file.get()));
    }
}
