package dev.cairn.node;

import dev.cairn.control.api.Sizes;
import dev.cairn.drive.Extent;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.drive.ExtentRecord;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.nbd.server.ExportCatalog;
import dev.cairn.nbd.server.ExportLookup;
import dev.cairn.nbd.server.RequestObserver;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;

/**
 * Every active extent of the node as an NBD export named by its id. Opening checks the extent's
 * access rule: an extent with a secret needs {@code ;gen=G;key=SECRET} in the export name, with G
 * exactly its current generation. The connection is then bound to that generation: once the
 * controller moves the extent to a newer one, the connection's I/O is refused (fencing).
 *
 * <p>A KV volume (an extent of kind KV) is served by {@link KvExtentSession}, its generation being
 * the DKV's quorum epoch. A client whose epoch does not match is told which way it is off, in words
 * the DKV client reads: "is older than" (its layout is stale: it fetches a newer one) or "is not at
 * epoch" (this node has not caught up yet: the client tries again later).
 */
final class ExtentExports implements ExportCatalog {
    private final ExtentService extents;
    private final Executor io;
    private final RequestObserver observer;
    private final KvGate kvGate;
    private final KvExtentSession.SlotObserver slots;
    /**
     * The slot locks of each KV volume, shared by its connections; held by the extent's own object
     * (one per active extent), so that they go when a deleted extent is no longer referenced.
     */
    private final Map<Extent, KvExtentSession.SlotLocks> slotLocks = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Every extent's requests are reported to {@code observer} (the node's meters: no label per
     * extent); KV volumes are served while {@code kvGate} lets them, their slot writes told to
     * {@code slots}.
     */
    ExtentExports(
            ExtentService extents,
            Executor io,
            RequestObserver observer,
            KvGate kvGate,
            KvExtentSession.SlotObserver slots) {
        this.extents = extents;
        this.io = io;
        this.observer = observer;
        this.kvGate = kvGate;
        this.slots = slots;
    }

    @Override
    public List<Listing> list() {
        return extents.list().stream()
                .filter(l -> l.record().state() == ExtentRecord.State.ACTIVE)
                .map(l -> new Listing(l.record().id().toString(), describe(l)))
                .toList();
    }

    static String describe(ExtentService.Located l) {
        return "extent of " + Sizes.human(l.record().sizeBytes()) + " on drive "
                + l.drive().id();
    }

    @Override
    public ExportLookup open(String requestedName) {
        Optional<ExportName> parsed;
        try {
            parsed = ExportName.parse(requestedName);
        } catch (IllegalArgumentException e) {
            return new ExportLookup.Refused(e.getMessage());
        }
        if (parsed.isEmpty()) {
            return new ExportLookup.Unknown("'" + shortName(requestedName) + "' is not an extent id");
        }
        ExportName name = parsed.get();
        Optional<Extent> extent = extents.extent(name.extentId());
        Optional<ExtentService.Located> located = extents.find(name.extentId());
        if (extent.isEmpty() || located.isEmpty()) {
            return new ExportLookup.Unknown("no extent " + name.extentId() + " on this node");
        }
        ExtentAccess access = extent.get().access();
        if (access.requiresSecret()) {
            if (name.key().isEmpty() || name.generation().isEmpty()) {
                return new ExportLookup.Refused("extent " + name.extentId() + " requires ;gen=GENERATION;key=SECRET");
            }
            if (!access.secretMatches(name.key().get())) {
                return new ExportLookup.Refused("wrong key for extent " + name.extentId());
            }
        }
        long generation = name.generation().orElse(access.generation());
        boolean kv = extent.get().kind() == ExtentRecord.Kind.KV;
        if (generation != access.generation()) {
            if (!kv && generation > access.generation()) {
                return new ExportLookup.Refused("extent " + name.extentId() + " is at generation "
                        + access.generation() + ": this node " + LegTarget.NOT_YET_AT_GENERATION + " " + generation
                        + " (it soon will)");
            }
            return new ExportLookup.Refused(
                    kv
                            ? epochMismatch(name, generation, access.generation())
                            : "generation " + generation + " does not match extent " + name.extentId()
                                    + "'s current generation " + access.generation() + " (a newer attachment owns it)");
        }
        ExtentSession session = new ExtentSession(extent.get(), describe(located.get()), generation, io, observer);
        if (kv) {
            Optional<String> refused = kvGate.refusal(name.extentId());
            if (refused.isPresent()) {
                return new ExportLookup.Refused(refused.get());
            }
            return new ExportLookup.Found(new KvExtentSession(
                    session,
                    slotLocks.computeIfAbsent(extent.get(), x -> new KvExtentSession.SlotLocks()),
                    name.extentId(),
                    kvGate,
                    slots));
        }
        return new ExportLookup.Found(session);
    }

    /** Why a KV volume refuses a client at {@code epoch}, in the words the DKV client reads. */
    private static String epochMismatch(ExportName name, long epoch, long current) {
        return epoch < current
                ? "epoch " + epoch + " is older than KV volume " + name.extentId() + "'s epoch " + current
                : "KV volume " + name.extentId() + " is not at epoch " + epoch + " yet (it is at " + current + ")";
    }

    private static String shortName(String name) {
        return name.length() > 80 ? name.substring(0, 80) + "..." : name;
    }
}
