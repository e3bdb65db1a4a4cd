package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ControlJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** What every command that talks to the controller needs: where it is, a token, an output form. */
final class ClientOptions {
    static final String DEFAULT_CONTROLLER = "http://127.0.0.1:8400";
    private static final ObjectMapper PRETTY = ControlJson.lenient().enable(SerializationFeature.INDENT_OUTPUT);

    enum Output {
        table,
        json
    }

    @Option(
            names = "--controller",
            paramLabel = "URL[,URL...]",
            description = "The controller's REST API; several peers comma-separated (default: $CAIRN_CONTROLLER, "
                    + "else " + DEFAULT_CONTROLLER + ").")
    Optional<String> controller = Optional.empty();

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "A file holding the bearer token (default: $CAIRN_TOKEN, else the file named by "
                    + "$CAIRN_TOKEN_FILE). The controller writes its tokens to DATA/tokens/ on first start.")
    Optional<Path> tokenFile = Optional.empty();

    @Option(
            names = {"-o", "--output"},
            defaultValue = "table",
            paramLabel = "table|json",
            description = "Human-readable tables (default) or JSON as the API returns it.")
    Output output;

    ControlClient client() throws IOException {
        String urls = controller
                .or(() -> Optional.ofNullable(System.getenv("CAIRN_CONTROLLER")))
                .orElse(DEFAULT_CONTROLLER);
        return new ControlClient(ControlClient.urls(urls), Optional.of(token()), Duration.ofSeconds(30));
    }

    private String token() throws IOException {
        Optional<Path> file = tokenFile.or(
                () -> Optional.ofNullable(System.getenv("CAIRN_TOKEN_FILE")).map(Path::of));
        if (file.isPresent()) {
            try {
                return Files.readString(file.get(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IOException("cannot read the token file " + file.get() + ": " + e.getMessage(), e);
            }
        }
        Optional<String> token = env("CAIRN_TOKEN");
        if (token.isPresent()) {
            return token.get();
        }
        throw new IllegalArgumentException(
                "no token: give --token-file FILE or set CAIRN_TOKEN (the controller keeps its tokens in"
                        + " DATA/tokens/)");
    }

    /** An environment variable, unless unset or blank. */
    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    boolean json() {
        return output == Output.json;
    }

    /** Prints a value as indented JSON. */
    static void printJson(PrintWriter out, Object value) throws IOException {
        out.println(PRETTY.writeValueAsString(value));
        out.flush();
    }

    /** Prints JSON text from the API, indented. */
    static void printJson(PrintWriter out, String json) throws IOException {
        printJson(out, PRETTY.readTree(json));
    }
}
