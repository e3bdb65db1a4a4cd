package dev.cairn.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The training run {@code bin/cairn} makes once after a build to write the CLI's ahead-of-time
 * cache ({@code -XX:AOTCacheOutput}): the JVM records which classes a CLI call loads and links, and
 * later calls map them from the cache instead of loading them from the jars one by one. It runs, in
 * this JVM, the help of every command and the usual client commands against a stand-in controller
 * on loopback that answers every GET of a collection with {@code []} and everything else with a
 * 404, so that the command-line parser, the HTTP client, the JSON mapper and the error paths are
 * all exercised.
 * Nothing it prints is shown; it never talks to a real controller.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", AotTraining::answer);
        server.start();
        Path token = Files.createTempFile("cairn-aot-training", ".token");
        try {
            Files.writeString(token, "training\n", StandardCharsets.UTF_8);
            String controller = "http://127.0.0.1:" + server.getAddress().getPort();
            for (List<String> line : commandLines(controller, token.toString())) {
                PrintWriter discard = new PrintWriter(Writer.nullWriter());
                Main.run(discard, discard, line.toArray(String[]::new));
            }
        } finally {
            server.stop(0);
            Files.deleteIfExists(token);
        }
    }

    /** {@code --help} of every command, then the client commands an operator runs most. */
    static List<List<String>> commandLines(String controller, String token) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(List.of("--help"));
        CommandLine all = new CommandLine(new Main());
        Main.commandsFor().forEach(all::addSubcommand);
        helpOf(all, List.of(), lines);
        List<List<String>> client = List.of(
                List.of("volume", "list"),
                List.of("volume", "show", "v"),
                List.of("volume", "create", "v", "--size", "1GiB", "--class", "zone-3"),
                List.of("volume", "attach", "v", "--host", "h"),
                List.of("volume", "delete", "v"),
                List.of("node", "list"),
                List.of("node", "show", "n"),
                List.of("class", "list"),
                List.of("orphan", "list"),
                List.of("cluster", "status"),
                List.of("cluster", "agents"));
        for (List<String> command : client) {
            for (String output : List.of("table", "json")) {
                List<String> line = new ArrayList<>(command);
                line.addAll(List.of("--controller", controller, "--token-file", token, "-o", output));
                lines.add(line);
            }
        }
        return lines;
    }

    private static void helpOf(CommandLine command, List<String> path, List<List<String>> lines) {
        command.getSubcommands().forEach((name, sub) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            List<String> line = new ArrayList<>(deeper);
            line.add("--help");
            lines.add(line);
            helpOf(sub, deeper, lines);
        });
    }

    private static void answer(HttpExchange exchange) throws IOException {
        // A collection's path has two segments (the API's version, the collection); a GET of one
        // answers an empty list. The paths themselves are the typed client's to write.
        boolean list = exchange.getRequestMethod().equals("GET")
                && exchange.getRequestURI().getPath().split("/", -1).length == 3;
        byte[] body = (list ? "[]" : "{\"error\":\"the AOT training controller knows nothing\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(list ? 200 : 404, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
