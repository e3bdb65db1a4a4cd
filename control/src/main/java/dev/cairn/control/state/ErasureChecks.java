package dev.cairn.control.state;

import static dev.cairn.control.state.CommandChecks.bytes;
import static dev.cairn.control.state.CommandChecks.id;
import static dev.cairn.control.state.CommandChecks.list;
import static dev.cairn.control.state.CommandChecks.present;
import static dev.cairn.control.state.CommandChecks.time;

import dev.cairn.control.model.ErasureCode;
import dev.cairn.control.model.ErasureLayout;
import dev.cairn.control.model.Limits;
import java.util.List;

/** {@link CommandChecks} of the restriper's commands: well-formed before they are applied. */
final class ErasureChecks {
    private ErasureChecks() {}

    static void stored(Command.PStoresStored p) {
        id(p.volumeId(), "volume id");
        time(p.atMillis());
    }

    static void resize(Command.ResizeVolume r) {
        CommandChecks.volume(r.volume());
        CommandChecks.spare(r.spareFraction());
        time(r.atMillis());
        CommandChecks.newExtents(r.extentIds());
        list(r.secrets(), "secrets", Limits.MAX_VOLUME_BSTORES).forEach(CommandChecks::secret);
        if (r.firstKey() < 0) {
            throw new IllegalArgumentException("firstKey is negative");
        }
        list(r.lastMembers(), "lastMembers", ErasureCode.MAX_WIDTH).forEach(ErasureChecks::placement);
        if (r.reservation() != null) {
            CommandChecks.reserveDkvKeys(r.reservation());
        }
    }

    static void grown(Command.ErasureGrown g) {
        id(g.volumeId(), "volume id");
        time(g.atMillis());
    }

    static void reprotect(Command.ReprotectBStores r) {
        id(r.volumeId(), "volume id");
        time(r.atMillis());
        list(r.rebuilds(), "rebuilds", Limits.MAX_REBUILDS_PER_COMMAND).forEach(ErasureChecks::rebuild);
    }

    static void replaced(Command.BStoresReplaced r) {
        id(r.volumeId(), "volume id");
        time(r.atMillis());
        list(r.replaced(), "replaced", Limits.MAX_REBUILDS_PER_COMMAND).forEach(x -> {
            present(x, "a replaced BStore");
            id(x.extentId(), "extent id");
        });
        list(r.nodes(), "nodes", Limits.MAX_VOLUME_BSTORES).forEach(n -> id(n, "node id"));
    }

    private static void rebuild(ErasureLayout.Rebuild r) {
        present(r, "a rebuild");
        if (r.pstore() < 0 || r.member() < 0 || r.member() >= ErasureCode.MAX_WIDTH) {
            throw new IllegalArgumentException("a rebuild of member " + r.member() + " of PStore " + r.pstore());
        }
        bytes(r.bstoreBytes(), "bstoreBytes", Limits.MAX_VOLUME_BYTES);
        placement(present(r.old(), "old"));
        placement(present(r.replacement(), "replacement"));
        if (r.old().extentId().equals(r.replacement().extentId())) {
            throw new IllegalArgumentException(
                    "a BStore cannot be rebuilt into itself (" + r.old().extentId() + ")");
        }
        List<Integer> sources = list(r.sources(), "sources", ErasureCode.MAX_WIDTH);
        if (sources.stream().anyMatch(i -> i == null || i < 0 || i >= ErasureCode.MAX_WIDTH || i == r.member())
                || sources.stream().distinct().count() != sources.size()) {
            throw new IllegalArgumentException("the sources of a rebuild of member " + r.member()
                    + " must be distinct other members, got " + sources);
        }
        time(r.sinceMillis());
    }

    private static void placement(ErasureLayout.BStorePlacement b) {
        present(b, "a BStore");
        id(b.nodeId(), "node id");
        id(b.driveId(), "drive id");
        id(b.extentId(), "extent id");
        if (!present(b.secret(), "a BStore secret").matches("[0-9a-f]{1,64}")) {
            throw new IllegalArgumentException("a BStore secret must be 1 to 64 hex digits");
        }
    }
}
