package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.control.api.AgentApi;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import dev.cairn.control.state.Command;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code volume attach|detach|show|list} and {@code cluster agents} against an in-process controller. */
class AttachCommandsTest {
    /** Where the agent serves its volumes, as it reports it: the path of its Unix socket. */
    private static final String SOCKET = "/run/cairn/agent/nbd.sock";

    private CliFixture controller;

    /** What the last command printed on standard error. */
    private String err;

    @BeforeEach
    void controllerWithAnAvailableVolume(@TempDir Path dir) throws Exception {
        controller = new CliFixture(dir);
        controller.addNode("a");
        cli("volume", "create", "db", "--size", "1GiB", "--class", "single", "--no-wait");
        controller.nodesMakeTheirExtents();
        controller.state.submit(new Command.AgentHeartbeat("h1", SOCKET, List.of(), controller.clock.millis()));
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private String cli(String... args) {
        String out = controller.cli(args);
        err = controller.err();
        return out;
    }

    private Volume db() {
        return controller.volume("db");
    }

    @Test
    void attachPrintsTheExportAndTheAgentsAddress() throws Exception {
        String id = db().id().toString();
        assertThat(cli("volume", "attach", "db", "--host", "h1").lines())
                .containsExactly(
                        "volume:      db",
                        "host:        h1",
                        "generation:  2",
                        "export:      " + id,
                        "nbd address: /run/cairn/agent/nbd.sock",
                        "nbd uri:     nbd+unix:///" + id + "?socket=/run/cairn/agent/nbd.sock");
        assertThat(cli("volume", "list").lines())
                .anySatisfy(l -> assertThat(l).startsWith("NAME").endsWith("ATTACHED"));
        assertThat(cli("volume", "list").lines())
                .anySatisfy(l -> assertThat(l).startsWith("db").endsWith("1/1 ready  h1"));
        assertThat(cli("cluster", "agents").lines())
                .containsExactly(
                        "HOST  NBD ADDRESS                LAST HEARTBEAT        VOLUMES",
                        "h1    /run/cairn/agent/nbd.sock  2026-01-01T00:00:00Z  db");

        assertThat(cli("volume", "attach", "db", "--host", "h9")).isEqualTo("exit 1");
        assertThat(err).isEqualTo("cairn volume attach: no agent on host 'h9' (agents: h1)\n");
        JsonNode json = new ObjectMapper().readTree(cli("volume", "attach", "db", "--host", "h1", "-o", "json"));
        assertThat(json.get("attachment").get("generation").asLong()).isEqualTo(3);
        assertThat(json.get("attachment").get("exportName").asText()).isEqualTo(id);
    }

    @Test
    void showPrintsTheAttachmentTheLegsSyncAndTheResync() throws Exception {
        assertThat(cli("volume", "show", "db")).contains("attached: -\n").doesNotContain("resync:");
        cli("volume", "attach", "db", "--host", "h1");
        Volume v = db();
        SortedMap<UUID, LegSync> legs = new TreeMap<>();
        legs.put(v.legs().getFirst().extentId(), new LegSync(AgentApi.LegSyncState.FAILED, Optional.of("EIO")));
        controller.state.submit(new Command.AgentHeartbeat(
                "h1",
                SOCKET,
                List.of(new VolumeReport(
                        v.id(), 2, legs, new AgentApi.ResyncReport(1 << 20, 4 << 20, 1 << 20, 3 << 20))),
                controller.clock.millis()));

        String shown = cli("volume", "show", "db");
        assertThat(shown)
                .contains("attached: host h1 since 2026-01-01T00:00:00Z, generation 2\n")
                .contains("export:   " + v.id() + " at /run/cairn/agent/nbd.sock (nbd+unix:///" + v.id()
                        + "?socket=/run/cairn/agent/nbd.sock)\n")
                .contains("resync:   1.0 MiB of 4.0 MiB (25%) at 1.0 MiB/s; 3.0 MiB copied since attached\n")
                .contains("leg 0 FAILED: EIO\n");
        assertThat(shown.lines()).anySatisfy(l -> assertThat(l).startsWith("LEG  STATE  SYNC    SYNCED  NODE"));
        assertThat(shown.lines()).anySatisfy(l -> assertThat(l).startsWith("0    READY  FAILED"));

        assertThat(cli("volume", "detach", "db")).isEqualTo("detached volume db\n");
        assertThat(db().attachment()).isEmpty();
        assertThat(cli("volume", "show", "db")).contains("attached: -\n").doesNotContain("FAILED");
        assertThat(cli("volume", "detach", "db")).isEqualTo("exit 1");
        assertThat(err).isEqualTo("cairn volume detach: volume 'db' is not attached\n");
    }

    @Test
    void countsAndEmptyListsReadAsSentences() {
        assertThat(cli("cluster", "status")).contains("agents:   1 (0 volumes attached)\n");
        cli("volume", "attach", "db", "--host", "h1");
        assertThat(cli("cluster", "status")).contains("agents:   1 (1 volume attached)\n");
        assertThat(cli("orphan", "list")).isEqualTo("no orphans: every extent on the nodes belongs to a volume\n");
        assertThat(cli("orphan", "list", "-o", "json")).isEqualTo("[ ]\n");
    }
}
