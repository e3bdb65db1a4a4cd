package dev.cairn.legs.io;

import java.io.IOException;

/** Opens a leg: over NBD to its node in the agent, to memory in tests. */
public interface LegConnector {
    LegIo connect(LegTarget target) throws IOException;
}
