package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.tls.NbdTls;
import dev.cairn.testkit.AdminHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AdminApiTest extends NodeFixture {

    @Test
    void healthAndInventoryDescribeTheNode() throws Exception {
        startNode(2);
        AdminHttp.Response health = call("GET", "/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().get("status").asText()).isEqualTo("ok");
        assertThat(health.body().get("nodeId").asText()).isEqualTo(node.nodeId().toString());
        AdminHttp.Response info = call("GET", "/v1/node", null);
        assertThat(info.body().get("labels").get("zone").asText()).isEqualTo("a");
        assertThat(info.body().get("labels").has("host")).isTrue();
        assertThat(info.body().get("drives")).hasSize(2);
        assertThat(info.body().get("drives").get(0).get("path").asText()).endsWith(".img");
        assertThat(info.body().get("freeBytes").asLong())
                .isEqualTo(info.body().get("dataBytes").asLong());
    }

    @Test
    void extentsAreCreatedListedShownAndDeleted() throws Exception {
        startNode(2);
        UUID id = UUID.randomUUID();
        AdminHttp.Response created = call("POST", "/v1/extents", "{\"id\":\"" + id + "\",\"sizeBytes\":8388608}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().get("id").asText()).isEqualTo(id.toString());
        assertThat(created.body().get("sizeBytes").asLong()).isEqualTo(8 << 20);
        assertThat(created.body().get("driveOffset").asLong() % (1 << 20)).isZero();
        assertThat(created.body().get("state").asText()).isEqualTo("ACTIVE");
        assertThat(created.body().get("export").asText()).isEqualTo(id.toString());
        assertThat(created.body().has("secret")).isFalse();

        AdminHttp.Response again = call("POST", "/v1/extents", "{\"id\":\"" + id + "\",\"sizeBytes\":8388608}");
        assertThat(again.status()).as("retried create is idempotent").isEqualTo(200);
        AdminHttp.Response clash = call("POST", "/v1/extents", "{\"id\":\"" + id + "\",\"sizeBytes\":4096}");
        assertThat(clash.status()).isEqualTo(409);
        assertThat(clash.body().get("error").asText()).contains("already exists with size 8388608");

        AdminHttp.Response anonymous = call("POST", "/v1/extents", "{\"sizeBytes\":4096}");
        assertThat(anonymous.status()).isEqualTo(201);
        assertThat(call("GET", "/v1/extents", null).body()).hasSize(2);
        assertThat(call("GET", "/v1/extents/" + id, null)
                        .body()
                        .get("sizeBytes")
                        .asLong())
                .isEqualTo(8 << 20);

        assertThat(call("DELETE", "/v1/extents/" + id, null).status()).isEqualTo(204);
        assertThat(call("GET", "/v1/extents/" + id, null).status()).isEqualTo(404);
        assertThat(call("DELETE", "/v1/extents/" + id, null).status()).isEqualTo(404);
        assertThat(call("GET", "/v1/extents", null).body()).hasSize(1);
    }

    @Test
    void extentsSpreadOverTheDriveWithMostRoom() throws Exception {
        startNode(2);
        String first = call("POST", "/v1/extents", "{\"sizeBytes\":104857600}")
                .body()
                .get("driveId")
                .asText();
        String second = call("POST", "/v1/extents", "{\"sizeBytes\":4096}")
                .body()
                .get("driveId")
                .asText();
        assertThat(second).isNotEqualTo(first);
        String pinned = call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"driveId\":\"" + first + "\"}")
                .body()
                .get("driveId")
                .asText();
        assertThat(pinned).isEqualTo(first);
    }

    @Test
    void badRequestsAreRefusedWithAReasonAndChangeNothing() throws Exception {
        startNode(1);
        assertError(call("POST", "/v1/extents", "{\"sizeBytes\":"), 400, "malformed JSON");
        assertError(call("POST", "/v1/extents", ""), 400, "request body is empty");
        assertError(call("POST", "/v1/extents", "{}"), 400, "sizeBytes is required");
        assertError(call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"colour\":1}"), 400, "unknown field 'colour'");
        assertError(call("POST", "/v1/extents", "{\"sizeBytes\":-4096}"), 400, "not a positive multiple of 4096");
        assertError(
                call("POST", "/v1/extents", "{\"sizeBytes\":4097}"),
                400,
                "extent size 4097 is not a positive multiple of 4096");
        assertError(call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"id\":\"x\"}"), 400, "id 'x' is not a UUID");
        assertError(
                call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"secret\":\"a b\"}"), 400, "secret may only contain");
        assertError(
                call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"driveId\":\"" + UUID.randomUUID() + "\"}"),
                404,
                "no drive");
        assertError(
                call("POST", "/v1/extents", "{\"sizeBytes\":1099511627776}"), 507, "no drive on this node has room");
        assertError(call("POST", "/v1/extents", "null"), 400, "request body is null; expected a JSON object");
        assertError(call("PUT", "/v1/extents/" + UUID.randomUUID() + "/access", "null"), 400, "request body is null");
        assertError(
                call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"secret\":5}"),
                400,
                "secret must be a string, not a whole number");
        assertError(
                call("POST", "/v1/extents", "{\"sizeBytes\":\"4096\"}"),
                400,
                "sizeBytes must be a whole number, not a string");
        assertError(call("POST", "/v1/extents", "{\"sizeBytes\":4096,\"sizeBytes\":8192}"), 400, "Duplicate field");
        assertError(call("GET", "/v1/extents/nope", null), 400, "extent id 'nope' is not a UUID");
        assertError(call("GET", "/v1/nothing", null), 404, "no such endpoint");
        assertThat(call("GET", "/v1/extents", null).body()).isEmpty();
        assertThat(call("GET", "/v1/node", null).body().get("usedBytes").asLong())
                .isZero();
    }

    @Test
    void theTokenMadeInTheDataDirIsRequiredEverywhereButHealth() throws Exception {
        startNode(1);
        Path file = dir.resolve("data/admin.token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(token.orElseThrow()).hasSize(48);
        UUID id = createExtent(1 << 20, 1, "s3cret-1");
        String good = token.get();
        for (Optional<String> bad : List.of(Optional.<String>empty(), Optional.of("wrong"), Optional.of(good + "x"))) {
            token = bad;
            assertError(call("GET", "/v1/extents", null), 401, "bearer token");
            assertError(call("GET", "/v1/node", null), 401, "bearer token");
            assertError(call("POST", "/v1/extents", "{\"sizeBytes\":4096}"), 401, "bearer token");
            assertError(
                    call("PUT", "/v1/extents/" + id + "/access", "{\"generation\":9,\"secret\":\"taken-over\"}"),
                    401,
                    "bearer token");
            assertError(call("DELETE", "/v1/extents/" + id, null), 401, "bearer token");
            assertThat(call("GET", "/health", null).status()).isEqualTo(200);
        }
        token = Optional.of(good);
        assertThat(call("GET", "/v1/extents/" + id, null)
                        .body()
                        .get("generation")
                        .asLong())
                .as("no refused call changed anything")
                .isEqualTo(1);
    }

    @Test
    void aNodeWithoutATokenSourceRefusesToStart() {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        assertThatThrownBy(() -> new NodeConfig(
                        Optional.empty(),
                        List.of(new DriveSpec(dir.resolve("d.img"), OptionalLong.of(64L << 20), false)),
                        Map.of(),
                        any,
                        any,
                        Optional.empty(),
                        Optional.empty(),
                        1,
                        Optional.empty(),
                        Optional.empty(),
                        NbdTls.NONE))
                .hasMessage("a node's admin API needs a token: give --data DIR (the node makes DIR/admin.token on"
                        + " first start) or --admin-token-file FILE");
    }

    @Test
    void aGivenTokenFileIsUsedAsItIsAndAWeakOneStopsTheNodeBeforeItTouchesADrive() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Path weak = Files.writeString(dir.resolve("weak.token"), "short\n");
        DriveSpec drive = new DriveSpec(dir.resolve("d.img"), OptionalLong.of(64L << 20), false);
        assertThatThrownBy(() -> StorageNode.start(
                        new NodeConfig(
                                Optional.empty(),
                                List.of(drive),
                                Map.of(),
                                any,
                                any,
                                Optional.empty(),
                                Optional.of(weak),
                                1,
                                Optional.empty(),
                                Optional.empty(),
                                NbdTls.NONE),
                        clock))
                .hasMessage("the admin token in " + weak + " must be at least 16 printable characters without spaces");
        assertThat(dir.resolve("d.img")).doesNotExist();

        Path given = Files.writeString(dir.resolve("given.token"), "operator-token-0123456789\n");
        node = StorageNode.start(
                new NodeConfig(
                        Optional.empty(),
                        List.of(drive),
                        Map.of(),
                        any,
                        any,
                        Optional.of(dir.resolve("data")),
                        Optional.of(given),
                        1,
                        Optional.empty(),
                        Optional.empty(),
                        NbdTls.NONE),
                clock);
        token = Optional.of("operator-token-0123456789");
        assertThat(call("GET", "/v1/extents", null).status()).isEqualTo(200);
        assertThat(dir.resolve("data/admin.token"))
                .as("a given file is not doubled by a made one")
                .doesNotExist();
    }

    private static void assertError(AdminHttp.Response r, int status, String messagePart) {
        assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
        assertThat(r.body().get("error").asText()).contains(messagePart);
    }
}
