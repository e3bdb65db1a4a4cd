package dev.cairn.control.api;

import java.util.List;
import java.util.UUID;

/**
 * A BStore this node rebuilds (a reprotect): member {@code member} of PStore {@code pstore} of
 * volume {@code volumeId}, into extent {@code extentId} on this node, from the PStore's other
 * members ({@code members}, in member order, the one being replaced among them; what opens them
 * at {@code generation}). {@code attached}: an agent serves the volume, and the node starts only
 * once the newest superblock names the member failed (the agent writes around it from then on).
 * The geometry: a {@code k+m} code, chunks of {@code chunkBytes}, {@code rows} rows after a
 * header of {@code headerBytes}, {@code regionRows} rows per bit of the PStore's bitmap. {@code
 * sources}: the members to read first (chosen by the restriper so that a lost drive's rebuilds read
 * from every drive evenly; empty: the node chooses).
 */
public record BStoreRebuild(
        UUID volumeId,
        String volumeName,
        int pstore,
        int member,
        UUID extentId,
        long generation,
        boolean attached,
        int k,
        int m,
        int chunkBytes,
        long rows,
        long headerBytes,
        int regionRows,
        List<AgentApi.AttachedLeg> members,
        List<Integer> sources) {
    public BStoreRebuild {
        members = List.copyOf(members);
        sources = sources == null ? List.of() : List.copyOf(sources);
    }
}
