package dev.cairn.control.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.UUID;

/**
 * What a daemon writes to its {@code --ready-file} once it serves: which daemon, and where it
 * listens (the ports it was given as 0 are known only then). Scripts, {@code cairn cluster up} and
 * the test kit wait for the file and read it. One JSON object on one line; {@code daemon} says
 * which record.
 * It is written to a temporary file and moved into place, so a reader never sees half of it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "daemon")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ReadyFile.Controller.class, name = "controller"),
    @JsonSubTypes.Type(value = ReadyFile.Node.class, name = "node"),
    @JsonSubTypes.Type(value = ReadyFile.Agent.class, name = "agent")
})
public sealed interface ReadyFile {
    /** Where the daemon serves {@code /metrics}. */
    String metrics();

    /** A controller peer: its id, REST URL, Raft address ({@code HOST:PORT}). */
    record Controller(String peerId, String rest, String raft, String metrics) implements ReadyFile {}

    /** A storage node: its id, NBD address ({@code HOST:PORT}), admin API URL and that API's token file. */
    record Node(UUID nodeId, String nbd, String admin, String adminTokenFile, String metrics) implements ReadyFile {}

    /**
     * A client agent: its host name and NBD address ({@code HOST:PORT} when it serves NBD over TCP,
     * else its Unix socket).
     */
    record Agent(String host, String nbd, String metrics) implements ReadyFile {}

    /** Writes this to {@code file}, atomically. */
    default void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Json.MAPPER.writeValueAsString(this) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What {@code file} says, as the record of {@code kind}. */
    static <T extends ReadyFile> T read(Path file, Class<T> kind) throws IOException {
        ReadyFile ready = read(file);
        if (!kind.isInstance(ready)) {
            throw new IOException(file + " is the ready file of a " + name(ready) + ", not of a "
                    + kind.getSimpleName().toLowerCase(Locale.ROOT));
        }
        return kind.cast(ready);
    }

    /** What {@code file} says. */
    static ReadyFile read(Path file) throws IOException {
        try {
            return Json.MAPPER.readValue(file.toFile(), ReadyFile.class);
        } catch (IOException e) {
            throw new IOException("cannot read the ready file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String name(ReadyFile r) {
        return switch (r) {
            case Controller c -> "controller";
            case Node n -> "node";
            case Agent a -> "agent";
        };
    }

    /** The file's JSON settings (held here: an interface has no private static fields). */
    final class Json {
        static final ObjectMapper MAPPER = ControlJson.lenient();

        private Json() {}
    }
}
