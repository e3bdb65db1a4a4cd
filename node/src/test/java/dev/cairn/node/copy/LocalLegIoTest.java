package dev.cairn.node.copy;

import dev.cairn.drive.Drive;
import dev.cairn.drive.Extent;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.backend.MemoryBackend;
import dev.cairn.legs.io.LegIoContract;
import dev.cairn.testkit.FakeClock;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;

/**
 * The {@link dev.cairn.legs.io.LegIo} contract on a node's own leg ({@link LocalLegIo}), as its
 * copies write it: straight to an extent of a real drive, fenced by the copy's generation.
 */
class LocalLegIoTest extends LegIoContract {
    private static final long GENERATION = 5;

    private final ExecutorService io = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopThreads() {
        io.shutdownNow();
    }

    @Override
    protected LegUnderTest newLeg(long sizeBytes) throws Exception {
        Drive drive = Drive.format(new MemoryBackend(64 << 20), UUID.randomUUID(), UUID.randomUUID(), new FakeClock());
        Extent extent = drive.allocate(UUID.randomUUID(), sizeBytes, new ExtentAccess(GENERATION, "k"));
        return () -> new LocalLegIo(extent, GENERATION, io);
    }
}
