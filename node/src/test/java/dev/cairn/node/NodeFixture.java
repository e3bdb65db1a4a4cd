package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.nbd.tls.NbdTls;
import dev.cairn.testkit.AdminHttp;
import dev.cairn.testkit.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A storage node in this JVM on file-backed drives in a temp dir, with an HTTP client for its API. */
abstract class NodeFixture {
    final FakeClock clock = new FakeClock();

    @TempDir
    Path dir;

    StorageNode node;
    /** The token calls carry; {@link #startNode} sets it to the one the node made in its data dir. */
    Optional<String> token = Optional.empty();
    /** The node's NBD TLS; a test sets it before starting the node. */
    NbdTls tls = NbdTls.NONE;

    /**
     * A node in zone {@code a} on {@code drives}, its data in {@code dir/data}, serving on loopback
     * ports picked at run time.
     */
    static StorageNode start(
            Path dir,
            List<DriveSpec> drives,
            Optional<ControllerLink.Settings> controller,
            NbdTls tls,
            InstantSource clock)
            throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        return StorageNode.start(
                new NodeConfig(
                        Optional.empty(),
                        drives,
                        Map.of("zone", "a"),
                        any,
                        any,
                        Optional.of(dir.resolve("data")),
                        Optional.empty(),
                        4,
                        Optional.empty(),
                        controller,
                        tls),
                clock);
    }

    /** A node started by a test class of its own, and a client of its admin API with its token. */
    record Running(StorageNode node, AdminHttp admin) {}

    /** A node with one 256 MiB drive in {@code dir} (see {@link #start}) and its admin client. */
    static Running startOneDrive(Path dir) throws IOException {
        StorageNode node = start(
                dir,
                List.of(new DriveSpec(dir.resolve("d0.img"), OptionalLong.of(256L << 20), false)),
                Optional.empty(),
                NbdTls.NONE,
                new FakeClock());
        return new Running(
                node,
                new AdminHttp(
                        "http://127.0.0.1:" + node.adminAddress().getPort(),
                        Optional.of(Files.readString(dir.resolve("data/admin.token"))
                                .strip())));
    }

    /** Creates an extent of {@code kind} ("data" or "kv") through {@code admin}; returns its id. */
    static UUID createExtent(AdminHttp admin, long size, long generation, String secret, String kind) {
        AdminHttp.Response r = admin.call(
                "POST",
                "/v1/extents",
                "{\"sizeBytes\":" + size + ",\"generation\":" + generation + ",\"secret\":\"" + secret
                        + "\",\"kind\":\"" + kind + "\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body().get("kind").asText()).isEqualTo(kind);
        return UUID.fromString(r.body().get("id").asText());
    }

    StorageNode startNode(int drives) throws IOException {
        return startNode(drives, Optional.empty());
    }

    StorageNode startNode(int drives, Optional<ControllerLink.Settings> controller) throws IOException {
        List<DriveSpec> specs = new java.util.ArrayList<>();
        for (int i = 0; i < drives; i++) {
            specs.add(new DriveSpec(dir.resolve("d" + i + ".img"), OptionalLong.of(256L << 20), false));
        }
        node = start(dir, specs, controller, tls, clock);
        token = Optional.of(Files.readString(dir.resolve("data/admin.token")).strip());
        return node;
    }

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /** Calls the node's admin API (with the token, if any). */
    AdminHttp.Response call(String method, String path, String body) {
        return new AdminHttp("http://127.0.0.1:" + node.adminAddress().getPort(), token).call(method, path, body);
    }

    InetSocketAddress nbd() {
        return new InetSocketAddress(
                InetAddress.getLoopbackAddress(), node.nbdAddress().getPort());
    }

    /** Creates an extent through the admin API with the given access; returns its id. */
    UUID createExtent(long size, long generation, String secret) {
        AdminHttp.Response r = call(
                "POST",
                "/v1/extents",
                "{\"sizeBytes\":" + size + ",\"generation\":" + generation + ",\"secret\":\"" + secret + "\"}");
        assertThat(r.status()).isEqualTo(201);
        return UUID.fromString(r.body().get("id").asText());
    }
}
