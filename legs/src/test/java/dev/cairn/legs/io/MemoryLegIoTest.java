package dev.cairn.legs.io;

import java.util.UUID;

/** The {@link LegIo} contract on the in-memory legs the agent's and the node's tests use. */
class MemoryLegIoTest extends LegIoContract {
    private final MemoryLegs memory = new MemoryLegs();

    @Override
    protected LegUnderTest newLeg(long sizeBytes) {
        LegTarget target = MemoryLegs.target(0, UUID.randomUUID(), sizeBytes);
        return () -> memory.connect(target);
    }
}
