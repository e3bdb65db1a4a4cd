package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlJson;
import dev.cairn.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What every command that talks to the controller needs: where it is, a token, an output form. */
final class ClientOptions {
    static final String DEFAULT_CONTROLLER = "http://127.0.0.1:8400";

    enum Output {
        table,
        json
    }

    @Option(
            names = "--controller",
            paramLabel = "URL[,URL...]",
            description = "The controller's REST API; several peers comma-separated (default: $CAIRN_CONTROLLER, "
                    + "else the local cluster of `cluster up` if there is one, else " + DEFAULT_CONTROLLER + ").")
    Optional<String> controller = Optional.empty();

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description =
                    "A file holding the bearer token (default: the file named by $CAIRN_TOKEN_FILE, else "
                            + "$CAIRN_TOKEN, else the local cluster's admin token). The controller writes its tokens to DATA/tokens/ on first start.")
    Optional<Path> tokenFile = Optional.empty();

    @Mixin
    ControllerCaOption controllerCa = new ControllerCaOption();

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            paramLabel = "table|json",
            description = "Human-readable tables (default) or JSON as the API returns it.")
    Output output;

    @Option(
            names = "--wide",
            description = "Tables show ids too (of nodes, volumes, drives); --output json always has them.")
    boolean wide;

    /** The local cluster to talk to when none is named, or the one a command's --dir named. */
    private Optional<LocalCluster> local = Optional.empty();

    private boolean localNamed;

    /** Talks to this local cluster, whatever the environment names (a command's --dir). */
    void useLocal(LocalCluster cluster) {
        local = Optional.of(cluster);
        localNamed = true;
    }

    ControlClient client() throws IOException {
        Optional<String> named = localNamed ? Optional.empty() : controller.or(() -> env("CAIRN_CONTROLLER"));
        Optional<LocalCluster> fallback = named.isPresent() ? Optional.empty() : localCluster();
        String urls = named.or(() -> fallback.map(LocalCluster::controllerUrl)).orElse(DEFAULT_CONTROLLER);
        return new ControlClient(
                ControlClient.urls(urls),
                Optional.of(token(fallback, named.isPresent())),
                Duration.ofSeconds(30),
                controllerCa.load());
    }

    /** The local cluster this command talks to, if it talks to one. */
    Optional<LocalCluster> target() throws IOException {
        if (localNamed) {
            return local;
        }
        return controller.or(() -> env("CAIRN_CONTROLLER")).isPresent() ? Optional.empty() : localCluster();
    }

    /**
     * The local cluster the CLI falls back on when no controller is named: the one given by --dir,
     * else the one in the default directory ({@code cairn cluster up}'s), if there is one.
     */
    Optional<LocalCluster> localCluster() throws IOException {
        if (local.isEmpty()) {
            local = LocalCluster.open(Caller.current().clusterDir());
        }
        return local;
    }

    private String token(Optional<LocalCluster> fallback, boolean controllerNamed) throws IOException {
        if (localNamed && tokenFile.isEmpty()) {
            return read(fallback.orElseThrow().adminTokenFile());
        }
        Optional<Path> file = tokenFile.or(() -> env("CAIRN_TOKEN_FILE").map(Caller.current()::path));
        if (file.isPresent()) {
            return read(file.get());
        }
        Optional<String> token = env("CAIRN_TOKEN");
        if (token.isPresent()) {
            return token.get();
        }
        if (fallback.isPresent()) {
            return read(fallback.get().adminTokenFile());
        }
        if (controllerNamed) {
            throw new IllegalArgumentException("no token for the controller: none given with --token-file, and neither"
                    + " $CAIRN_TOKEN_FILE nor $CAIRN_TOKEN is set. Give --token-file FILE or set CAIRN_TOKEN_FILE=FILE"
                    + " (the controller writes its tokens to DATA/tokens/ on first start: admin.token, read.token)");
        }
        throw new IllegalArgumentException("no controller to talk to: none given with --controller, $CAIRN_CONTROLLER"
                + " is not set, and there is no local cluster in "
                + Caller.current().clusterDir() + ". Start one with"
                + " `cairn cluster up`; for a cluster made with `cairn cluster up --dir DIR`, run `source DIR/env`"
                + "; for another, give --controller URL and --token-file FILE (or set"
                + " CAIRN_CONTROLLER and CAIRN_TOKEN_FILE)");
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** An environment variable, unless unset or blank. */
    private static Optional<String> env(String name) {
        return Caller.current().variable(name);
    }

    boolean json() {
        return output == Output.json;
    }

    /** Prints a value as indented JSON. */
    static void printJson(PrintWriter out, Object value) throws IOException {
        out.println(Pretty.JSON.writeValueAsString(value));
        out.flush();
    }

    /** Prints JSON text from the API, indented. */
    static void printJson(PrintWriter out, String json) throws IOException {
        printJson(out, Pretty.JSON.readTree(json));
    }

    /** Made on first use: a command that prints no JSON does not load Jackson for it. */
    private static final class Pretty {
        static final ObjectMapper JSON = ControlJson.lenient().enable(SerializationFeature.INDENT_OUTPUT);
    }
}
