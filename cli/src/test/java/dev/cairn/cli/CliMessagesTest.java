package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI says when a command is wrong, in the CLI's words: its flags, its units, the port
 * and option at fault. Each case is the exact command and the exact line it prints.
 */
class CliMessagesTest {
    private CliFixture controller;
    private Path dir;

    @BeforeEach
    void start(@TempDir Path dir) throws IOException {
        this.dir = dir;
        controller = new CliFixture(dir);
        controller.addNode("a");
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    /** Runs a command line without a controller; what it printed on standard error, and its exit code. */
    private static String run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        return "exit " + code + ": " + err;
    }

    private String refused(String... args) {
        assertThat(controller.cli(args)).isEqualTo("exit 1");
        return controller.err();
    }

    @Test
    void sizesSayWhatTheirUnitsMeanAndWhatIsTooLarge() {
        assertThat(refused("volume", "create", "db", "--class", "single", "--size", "10GB"))
                .isEqualTo("cairn volume create: --size '10GB' is ambiguous: GB means a power of 1000 to some and of"
                        + " 1024 to others; write 10GiB for powers of 1024, or the number of bytes\n");
        assertThat(refused("volume", "create", "db", "--class", "single", "--size", "99999999999999999999"))
                .isEqualTo("cairn volume create: --size '99999999999999999999' is too large: a size is at most 8 EiB"
                        + " (9223372036854775807 bytes)\n");
        assertThat(refused("volume", "create", "db", "--class", "single", "--size", "9000000PiB"))
                .isEqualTo("cairn volume create: --size '9000000PiB' is too large: a size is at most 8 EiB"
                        + " (9223372036854775807 bytes)\n");
        assertThat(refused("volume", "create", "db", "--class", "single", "--size", "lots"))
                .isEqualTo("cairn volume create: --size 'lots' is not a size (examples: 4096, 64KiB, 1GiB)\n");
        assertThat(refused("volume", "create", "db", "--class", "single", "--size", "1PiB"))
                .startsWith("cairn volume create: volume size 1125899906842624 is larger than the largest a volume"
                        + " may be");
        assertThat(controller.cli("volume", "create", "db", "--class", "single", "--size", "10G", "--no-wait"))
                .contains("10.0 GiB");
        StringWriter help = new StringWriter();
        Main.run(new PrintWriter(help), new PrintWriter(new StringWriter()), "help", "volume", "create");
        assertThat(help.toString().replaceAll("\\s+", " ")).contains("KB, MB, GB are refused as ambiguous");
    }

    /** {@code class create quick --replicas 1 --spread-across host OPTION VALUE}, refused. */
    private String classWith(String option, String value) {
        return refused("class", "create", "quick", "--replicas", "1", "--spread-across", "host", option, value);
    }

    @Test
    void sparingForAWholeNodeIsForErasureCodedClassesAndShown() {
        assertThat(refused("class", "create", "legs", "--replicas", "2", "--spread-across", "host", "--spare-node"))
                .isEqualTo("cairn class create: sparing space for a whole node is for erasure-coded classes (legs of a"
                        + " lost node are rebuilt into free space)\n");
        assertThat(controller.cli("class", "create", "wide", "--ec", "4+2", "--spread-across", "host", "--spare-node"))
                .contains("erasure 4+2, spares a node");
    }

    @Test
    void durationsAndTheirFlagsAreNamedInErrors() {
        assertThat(classWith("--repair-timeout", "0s"))
                .isEqualTo("cairn class create: --repair-timeout must be positive, got 0s\n");
        assertThat(classWith("--repair-timeout", "PT-5M"))
                .isEqualTo("cairn class create: --repair-timeout must be positive, got PT-5M\n");
        assertThat(classWith("--region-size", "1MB"))
                .startsWith("cairn class create: --region-size '1MB' is ambiguous: ");
    }

    @Test
    void aPortInUseFailsAtOnceNamingThePortAndItsOption() throws IOException {
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String port = "127.0.0.1:" + held.getLocalPort();
            String inUse = "port " + held.getLocalPort() + " on 127.0.0.1 is in use (";
            List<String> printed = new ArrayList<>();
            printed.add(run("controller", "--data", dir.resolve("c").toString(), "--listen", port));
            printed.add(run(
                    "controller", "--data", dir.resolve("c").toString(), "--listen", "127.0.0.1:0", "--raft", port));
            printed.add(run(
                    "controller",
                    "--data",
                    dir.resolve("c").toString(),
                    "--listen",
                    "127.0.0.1:0",
                    "--peers",
                    "c1=" + port + ",c2=127.0.0.1:1"));
            printed.add(run(
                    "node", "--drive", dir.resolve("d.img") + ",size=64MiB", "--data", dir.toString(), "--nbd", port));
            printed.add(run(
                    "node",
                    "--drive",
                    dir.resolve("d.img") + ",size=64MiB",
                    "--data",
                    dir.toString(),
                    "--nbd",
                    "127.0.0.1:0",
                    "--admin",
                    port));
            Files.writeString(dir.resolve("t"), "token\n");
            printed.add(run(
                    "agent",
                    "--controller",
                    "http://127.0.0.1:1",
                    "--controller-token-file",
                    dir.resolve("t").toString(),
                    "--nbd-socket",
                    dir.resolve("s").toString(),
                    "--metrics",
                    port));
            assertThat(printed)
                    .containsExactly(
                            "exit 1: cairn controller: " + inUse + "--listen): stop what listens there, or choose"
                                    + " another with --listen HOST:PORT (port 0 picks a free one)\n",
                            "exit 1: cairn controller: " + inUse + "--raft): stop what listens there, or choose"
                                    + " another with --raft HOST:PORT (port 0 picks a free one)\n",
                            "exit 1: cairn controller: " + inUse + "--peers): stop what listens there, or choose"
                                    + " another with --peers c1=HOST:PORT (port 0 picks a free one)\n",
                            "exit 1: cairn node: " + inUse + "--nbd): stop what listens there, or choose another"
                                    + " with --nbd HOST:PORT (port 0 picks a free one)\n",
                            "exit 1: cairn node: " + inUse + "--admin): stop what listens there, or choose another"
                                    + " with --admin HOST:PORT (port 0 picks a free one)\n",
                            "exit 1: cairn agent: " + inUse + "--metrics): stop what listens there, or choose"
                                    + " another with --metrics HOST:PORT (port 0 picks a free one)\n");
        }
    }
}
