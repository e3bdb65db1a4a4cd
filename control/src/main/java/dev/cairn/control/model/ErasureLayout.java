package dev.cairn.control.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * How an erasure-coded volume is cut: PStores of {@code pstoreBytes} logical bytes, rows of {@code
 * k} chunks of {@code chunkBytes}, bitmap regions of {@code regionRows} rows, a header of {@code
 * headerBytes} in front of every BStore. Its {@code pstores} PStores' layouts are DKV values, the
 * first ones under keys from {@code firstKey} on, those added by growths under the ranges of {@code
 * addedKeys}, in order ({@link #key}); the controller's state holds them only while the volume is
 * being created ({@code pending}, until they are stored in the DKV) or grown ({@code growth}).
 * {@code nodes}: the nodes holding its BStores (told when the generation changes). {@code
 * generation}: what opens its BStores now; attachments raise it, as they raise a leg's.
 */
public record ErasureLayout(
        ErasureCode code,
        int chunkBytes,
        long pstoreBytes,
        int regionRows,
        long headerBytes,
        long firstKey,
        int pstores,
        long generation,
        Set<UUID> nodes,
        List<PStorePlacement> pending,
        List<Rebuild> rebuilds,
        List<KeyRange> addedKeys,
        Growth growth) {

    /** Chunks of 64 KiB: a 1 MiB write of a 4+2 volume is four whole rows. */
    public static final int CHUNK_BYTES = 64 * 1024;

    /** A PStore covers 1 GiB of the volume at most. */
    public static final long MAX_PSTORE_BYTES = 1L << 30;

    /**
     * Entries of the agent's degraded-write log every BStore header has room for at least (each a
     * 4 KiB heading and a chunk of each of {@code m} missing members): partial writes to a degraded
     * PStore in flight at once.
     */
    static final int LOG_SLOTS = 4;

    public ErasureLayout {
        nodes = Set.copyOf(new TreeSet<>(nodes));
        pending = List.copyOf(pending);
        rebuilds = rebuilds == null ? List.of() : List.copyOf(rebuilds); // volumes stored before reprotect
        addedKeys = addedKeys == null ? List.of() : List.copyOf(addedKeys); // volumes stored before growth
    }

    /** DKV keys {@code first} to {@code first + count - 1}: the layouts of PStores a growth added. */
    public record KeyRange(long first, int count) {}

    /**
     * The volume growing to {@code toBytes}: the PStores it adds ({@code added}, under keys from
     * {@code firstKey} on, placed like a new volume's and created by their nodes), and, when the
     * last PStore now has fewer rows than the new size gives it, its members ({@code lastMembers},
     * as the DKV named them when the growth was asked for) grown in place to {@code lastBStoreBytes}.
     * The restriper stores the layouts once every node has made its part, then the volume has its new
     * size.
     */
    public record Growth(
            long toBytes,
            long firstKey,
            List<PStorePlacement> added,
            long lastBStoreBytes,
            List<BStorePlacement> lastMembers) {
        public Growth {
            added = List.copyOf(added);
            lastMembers = List.copyOf(lastMembers);
        }
    }

    /** The growth under way, if the volume is growing. */
    public Optional<Growth> growing() {
        return Optional.ofNullable(growth);
    }

    /** The DKV key of PStore {@code p}'s layout. */
    public long key(int p) {
        if (p < 0 || p >= pstores) {
            throw new IllegalArgumentException("PStore " + p + " of a volume of " + pstores);
        }
        int first = pstores - addedKeys.stream().mapToInt(KeyRange::count).sum();
        if (p < first) {
            return firstKey + p;
        }
        int at = p - first;
        for (KeyRange r : addedKeys) {
            if (at < r.count()) {
                return r.first() + at;
            }
            at -= r.count();
        }
        throw new IllegalStateException("PStore " + p + " has no key"); // the counts add up: never
    }

    /** The key ranges of its layouts (and of those a growth under way adds). */
    public List<KeyRange> keyRanges() {
        List<KeyRange> out = new ArrayList<>();
        out.add(new KeyRange(
                firstKey, pstores - addedKeys.stream().mapToInt(KeyRange::count).sum()));
        out.addAll(addedKeys);
        if (growth != null && !growth.added().isEmpty()) {
            out.add(new KeyRange(growth.firstKey(), growth.added().size()));
        }
        return out;
    }

    /**
     * The volume grown: {@code growth}'s PStores are its last ones, under their keys, and it is not
     * growing any more.
     */
    public ErasureLayout grown(Set<UUID> newNodes) {
        List<KeyRange> keys = new ArrayList<>(addedKeys);
        if (!growth.added().isEmpty()) {
            keys.add(new KeyRange(growth.firstKey(), growth.added().size()));
        }
        return new ErasureLayout(
                code,
                chunkBytes,
                pstoreBytes,
                regionRows,
                headerBytes,
                firstKey,
                pstores + growth.added().size(),
                generation,
                newNodes,
                pending,
                rebuilds,
                keys,
                null);
    }

    /** Growing as {@code newGrowth} says, its BStores on {@code newNodes} (with those it has). */
    public ErasureLayout withGrowth(Growth newGrowth, Set<UUID> newNodes) {
        return new ErasureLayout(
                code,
                chunkBytes,
                pstoreBytes,
                regionRows,
                headerBytes,
                firstKey,
                pstores,
                generation,
                newNodes,
                pending,
                rebuilds,
                addedKeys,
                newGrowth);
    }

    /**
     * BStore {@code member} of PStore {@code pstore} (of {@code bstoreBytes}), {@code old}, being
     * rebuilt into {@code replacement} since {@code sinceMillis}: the replacement's node fills it
     * from the PStore's other members, reading {@code sources} first (the members the restriper
     * chose so that the rebuilds' reads spread over the drives; empty: the node chooses); then the
     * layout names it and {@code old} becomes an orphan. {@code move}: {@code old} is not lost but
     * moves off its node (a drain): its agent keeps it in use meanwhile (without it, a volume being
     * moved would have one BStore less), and while no agent serves the volume it is read as it is.
     */
    public record Rebuild(
            int pstore,
            int member,
            long bstoreBytes,
            BStorePlacement old,
            BStorePlacement replacement,
            long sinceMillis,
            List<Integer> sources,
            boolean move) {
        public Rebuild {
            sources = sources == null ? List.of() : List.copyOf(sources); // rebuilds logged before sources
        }

        /** A rebuild of a lost BStore. */
        public Rebuild(
                int pstore,
                int member,
                long bstoreBytes,
                BStorePlacement old,
                BStorePlacement replacement,
                long sinceMillis,
                List<Integer> sources) {
            this(pstore, member, bstoreBytes, old, replacement, sinceMillis, sources, false);
        }
    }

    /** The rebuild of member {@code member} of PStore {@code pstore}, if it is being rebuilt. */
    public Optional<Rebuild> rebuildOf(int pstore, int member) {
        return rebuilds.stream()
                .filter(r -> r.pstore() == pstore && r.member() == member)
                .findFirst();
    }

    public ErasureLayout withRebuilds(List<Rebuild> newRebuilds, Set<UUID> newNodes) {
        return new ErasureLayout(
                code,
                chunkBytes,
                pstoreBytes,
                regionRows,
                headerBytes,
                firstKey,
                pstores,
                generation,
                newNodes,
                pending,
                newRebuilds,
                addedKeys,
                growth);
    }

    /** Where one BStore goes: a drive of a node, its extent and the secret that opens it. */
    public record BStorePlacement(UUID nodeId, UUID driveId, UUID extentId, String secret) {}

    /** The BStores of one PStore, in member order (data, then parity), and their extent size. */
    public record PStorePlacement(long key, long bstoreBytes, List<BStorePlacement> members) {
        public PStorePlacement {
            members = List.copyOf(members);
        }
    }

    /**
     * The layout of a new volume of {@code volumeBytes} with code {@code code}: PStores of at most
     * 1 GiB, whole rows; regions of about {@code regionBytes} of the volume (at least one row).
     */
    public static ErasureLayout forVolume(ErasureCode code, long volumeBytes, long regionBytes, long firstKey) {
        long rowBytes = (long) code.k() * CHUNK_BYTES;
        long pstoreBytes = Math.min(MAX_PSTORE_BYTES / rowBytes * rowBytes, LegLayout.roundUp(volumeBytes, rowBytes));
        pstoreBytes = Math.max(pstoreBytes, rowBytes);
        int pstores = Math.toIntExact((volumeBytes + pstoreBytes - 1) / pstoreBytes);
        int regionRows = (int) Math.max(1, regionBytes / rowBytes);
        long regions = (pstoreBytes / rowBytes + regionRows - 1) / regionRows;
        long bitmapBytes = (regions + 7) / 8;
        // Superblock, bitmap, and the agent's degraded-write log: slots of a heading and m chunks.
        long logBytes = LOG_SLOTS * (4096 + (long) code.m() * CHUNK_BYTES);
        long headerBytes =
                LegLayout.roundUp(4096 + LegLayout.roundUp(bitmapBytes, 4096) + logBytes, LegLayout.ALIGNMENT);
        return new ErasureLayout(
                code,
                CHUNK_BYTES,
                pstoreBytes,
                regionRows,
                headerBytes,
                firstKey,
                pstores,
                0,
                Set.of(),
                List.of(),
                List.of(),
                List.of(),
                null);
    }

    /** Rows of PStore {@code p} of a volume of {@code volumeBytes}. */
    public long rows(int p, long volumeBytes) {
        long rowBytes = (long) code.k() * chunkBytes;
        long logical = Math.min(pstoreBytes, volumeBytes - p * pstoreBytes);
        return (logical + rowBytes - 1) / rowBytes;
    }

    /** The extent size of each BStore of PStore {@code p}: header and one chunk per row. */
    public long bstoreBytes(int p, long volumeBytes) {
        return headerBytes + rows(p, volumeBytes) * chunkBytes;
    }

    /** Whether the PStores' layouts are all in the DKV (the volume's creation is done). */
    public boolean stored() {
        return pending.isEmpty();
    }

    public ErasureLayout withPending(List<PStorePlacement> newPending, Set<UUID> newNodes) {
        return new ErasureLayout(
                code,
                chunkBytes,
                pstoreBytes,
                regionRows,
                headerBytes,
                firstKey,
                pstores,
                generation,
                newNodes,
                newPending,
                rebuilds,
                addedKeys,
                growth);
    }

    public ErasureLayout withGeneration(long newGeneration) {
        return new ErasureLayout(
                code,
                chunkBytes,
                pstoreBytes,
                regionRows,
                headerBytes,
                firstKey,
                pstores,
                newGeneration,
                nodes,
                pending,
                rebuilds,
                addedKeys,
                growth);
    }
}
