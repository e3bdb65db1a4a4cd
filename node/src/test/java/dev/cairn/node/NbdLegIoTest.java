package dev.cairn.node;

import dev.cairn.legs.io.LegIoContract;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.io.NbdLegIo;
import dev.cairn.testkit.AdminHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link dev.cairn.legs.io.LegIo} contract over NBD ({@link NbdLegIo}, as the agent reaches
 * its legs) against a real storage node in this JVM: each test gets an extent of its own,
 * protected by a generation and a key as the controller creates them. It lives here, not beside
 * NbdLegIo, because only the node module has the server.
 */
class NbdLegIoTest extends LegIoContract {
    private static final long GENERATION = 3;
    private static final String SECRET = "k";

    @TempDir
    static Path dir;

    private static StorageNode node;
    private static AdminHttp admin;

    @BeforeAll
    static void startNode() throws Exception {
        NodeFixture.Running running = NodeFixture.startOneDrive(dir);
        node = running.node();
        admin = running.admin();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Override
    protected LegUnderTest newLeg(long sizeBytes) {
        UUID id = NodeFixture.createExtent(admin, sizeBytes, GENERATION, SECRET, "data");
        LegTarget target = new LegTarget(
                0,
                id,
                UUID.randomUUID(),
                new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), node.nbdAddress().getPort()),
                ExportName.of(id, GENERATION, SECRET),
                sizeBytes);
        return () -> NbdLegIo.connector(Duration.ofSeconds(5)).connect(target);
    }
}
