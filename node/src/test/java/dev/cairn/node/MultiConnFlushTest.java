package dev.cairn.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.drive.Drive;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.backend.CrashingBackend;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.server.NbdServer;
import dev.cairn.nbd.server.RequestObserver;
import dev.cairn.nbd.server.ServerConfig;
import dev.cairn.testkit.FakeClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Extents advertise multi-conn, which promises that a flush on one connection makes the writes
 * completed on every connection durable. Checked on a drive with a volatile cache: power fails
 * after writes on connection A and a flush on connection B.
 */
class MultiConnFlushTest {
    @Test
    void aFlushOnOneConnectionMakesWritesFromAnotherDurable() throws Exception {
        CrashingBackend backend = new CrashingBackend(new MemoryBackend(64L << 20));
        Drive drive = Drive.format(backend, UUID.randomUUID(), UUID.randomUUID(), new FakeClock());
        UUID id = drive.allocate(UUID.randomUUID(), 1 << 20, ExtentAccess.OPEN).id();
        long offset = drive.extents().getFirst().offset();
        ExecutorService io = Executors.newFixedThreadPool(2);
        try (NbdServer server = NbdServer.start(
                ServerConfig.defaults(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                new ExtentExports(
                        new ExtentService(List.of(drive)),
                        io,
                        RequestObserver.NONE,
                        KvGate.open(),
                        KvExtentSession.SlotObserver.NONE))) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
            try (NbdClient a = NbdClient.connect(address, id.toString());
                    NbdClient b = NbdClient.connect(address, id.toString())) {
                assertThat(a.info().has(dev.cairn.nbd.NbdProtocol.FLAG_CAN_MULTI_CONN))
                        .isTrue();
                a.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), false).join();
                assertThat(read(backend.durableImage(), offset))
                        .as("not durable before any flush")
                        .isZero();
                b.flush().join();
                assertThat(read(backend.durableImage(), offset))
                        .as("durable after B's flush")
                        .isEqualTo((byte) 1);
            }
        } finally {
            io.shutdown();
        }
    }

    private static byte read(MemoryBackend image, long at) {
        ByteBuffer b = ByteBuffer.allocate(1);
        image.read(at, b);
        return b.get(0);
    }
}
