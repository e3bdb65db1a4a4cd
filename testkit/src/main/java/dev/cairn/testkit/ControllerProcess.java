package dev.cairn.testkit;

import dev.cairn.control.api.ReadyFile;
import dev.cairn.local.DaemonArgs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * A controller peer process ({@code bin/cairn controller}) on loopback: its REST API on a free port
 * (learnt from its ready file), its replication port as given in {@code peers}, its data and
 * tokens under {@code dir}.
 */
public final class ControllerProcess implements AutoCloseable {
    private final CairnProcess process;
    private final String peerId;
    private final String url;
    private final String metricsUrl;
    private final Path tokens;

    private ControllerProcess(CairnProcess process, ReadyFile.Controller ready, Path tokens) {
        this.process = process;
        this.peerId = ready.peerId();
        this.url = ready.rest();
        this.metricsUrl = ready.metrics();
        this.tokens = tokens;
    }

    /**
     * Starts peer {@code id} of the group {@code peers} ({@code ID=HOST:PORT,...}) with its data in
     * {@code dir} and its REST API on {@code restPort} (0: any; give a fixed one to restart it at
     * the same URL). Token files come from {@code tokens} (shared by every peer of a group; made
     * here when missing). Extra arguments are appended as given.
     */
    public static ControllerProcess start(
            Path dir, String id, String peers, int restPort, Path tokens, List<String> extra) throws IOException {
        return start(dir, id, peers, restPort, tokens, extra, Map.of());
    }

    /** As above, with {@code env} added to the controller's environment. */
    public static ControllerProcess start(
            Path dir, String id, String peers, int restPort, Path tokens, List<String> extra, Map<String, String> env)
            throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(tokens);
        for (String role : List.of("admin", "read", "node")) {
            Path f = tokens.resolve(role + ".token");
            if (!Files.exists(f)) {
                Files.writeString(f, role + "-" + Long.toHexString(System.nanoTime()) + "-cairn-test\n");
            }
        }
        Path ready = dir.resolve("ready.json");
        List<String> args = DaemonArgs.controller(dir.resolve("data"), "127.0.0.1:" + restPort, ready);
        args.addAll(List.of("--id", id, "--peers", peers));
        args.addAll(DaemonArgs.controllerTokens(tokens));
        args.addAll(extra);
        CairnProcess.Ready<ReadyFile.Controller> r =
                CairnProcess.startDaemon(dir.resolve("controller.log"), args, ready, env, ReadyFile.Controller.class);
        return new ControllerProcess(r.process(), r.info(), tokens);
    }

    public CairnProcess process() {
        return process;
    }

    public String peerId() {
        return peerId;
    }

    /** The REST API's base URL. */
    public String url() {
        return url;
    }

    /** Where the peer serves {@code /metrics} (from its ready file). */
    public String metricsUrl() {
        return metricsUrl;
    }

    /** A file holding the token of {@code role} (admin, read, node). */
    public Path tokenFile(String role) {
        return tokens.resolve(role + ".token");
    }

    /** A client of the REST API with the token of {@code role}. */
    public AdminHttp client(String role) {
        return client(role, Optional.empty());
    }

    /** As above, checking an HTTPS API with {@code tls}. */
    public AdminHttp client(String role, Optional<SSLContext> tls) {
        try {
            return new AdminHttp(
                    url,
                    Optional.of(Files.readString(tokenFile(role), StandardCharsets.UTF_8)
                            .strip()),
                    tls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this peer says it leads the group. */
    public boolean isLeader() {
        try {
            return new AdminHttp(url).get("/health").body().path("leader").asBoolean(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
