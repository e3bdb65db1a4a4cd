package dev.cairn.control.state;

import dev.cairn.control.api.NodeName;
import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.DkvLayout;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.LegCopyProgress;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.VolumeReport;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What every command must carry before it is applied: no field missing (a command decoded from the
 * log may hold a null wherever JSON can), every number and text within {@link Limits}, no id twice
 * where ids must differ. A pure function of the command, so it refuses the same way on every
 * replica; the state machine checks it first, and the REST API before it proposes (a user gets a
 * 400, not a refused log entry). What depends on the state (unknown ids, names taken) is the
 * command handlers' to judge.
 */
public final class CommandChecks {
    private CommandChecks() {}

    /** Why {@code c} cannot be applied whatever the state, if it cannot. */
    public static Optional<String> malformed(Command c) {
        try {
            check(c);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static void check(Command c) {
        if (c == null) {
            throw new IllegalArgumentException("no command");
        }
        switch (c) {
            case Command.RegisterNode r -> {
                id(r.nodeId(), "node id");
                text(r.nbdAddress(), "nbdAddress", Limits.MAX_ADDRESS_CHARS);
                text(r.adminUrl(), "adminUrl", Limits.MAX_ADDRESS_CHARS);
                labels(r.labels(), "labels");
                drives(r.drives());
                time(r.atMillis());
                if (r.name() != null) {
                    NodeName.check(r.name());
                }
            }
            case Command.Heartbeat h -> heartbeat(h);
            case Command.MarkNodeOffline m -> {
                id(m.nodeId(), "node id");
                time(m.atMillis());
                duration(m.offlineAfterMillis(), "offlineAfterMillis");
            }
            case Command.SetNodeLabels l -> {
                id(l.nodeId(), "node id");
                labels(l.set(), "set");
                list(l.remove(), "remove", Limits.MAX_LABELS)
                        .forEach(k -> text(k, "a label key", Limits.MAX_NAME_CHARS));
            }
            case Command.CreateClass cc -> present(cc.storageClass(), "storageClass");
            case Command.DeleteClass d -> text(d.name(), "class name", Limits.MAX_NAME_CHARS);
            case Command.CreateVolume v -> createVolume(v);
            case Command.DeleteVolume d -> deleteVolume(d);
            case Command.PStoresStored p -> ErasureChecks.stored(p);
            case Command.ReprotectBStores r -> ErasureChecks.reprotect(r);
            case Command.BStoresReplaced r -> ErasureChecks.replaced(r);
            case Command.EraseOrphan e -> {
                id(e.extentId(), "extent id");
                time(e.atMillis());
            }
            case Command.AgentHeartbeat a -> agentHeartbeat(a);
            case Command.AttachVolume a -> {
                volume(a.volume());
                host(a.host());
                time(a.atMillis());
            }
            case Command.DetachVolume d -> {
                volume(d.volume());
                time(d.atMillis());
            }
            case Command.DrainNode d -> {
                id(d.nodeId(), "node id");
                time(d.atMillis());
            }
            case Command.UndrainNode u -> id(u.nodeId(), "node id");
            case Command.AddReplica a -> addReplica(a);
            case Command.ResizeVolume r -> ErasureChecks.resize(r);
            case Command.ErasureGrown g -> ErasureChecks.grown(g);
            case Command.RemoveReplica r -> {
                volume(r.volume());
                text(r.leg(), "leg", Limits.MAX_NAME_CHARS);
                time(r.atMillis());
            }
            case Command.ReplaceLeg r -> replaceLeg(r);
            case Command.NoteRepair n -> {
                id(n.volumeId(), "volume id");
                present(n.note(), "note");
                n.note().ifPresent(t -> text(t, "note", Limits.MAX_NOTE_CHARS));
            }
            case Command.ReserveDkvKeys r -> reserveDkvKeys(r);
            case Command.ReplaceDkvMirror r -> replaceDkvMirror(r);
            case Command.DkvShardRecovered r -> dkvShardRecovered(r);
            case Command.SetRebalance _, Command.MoveLeg _, Command.RemoveNode _ -> RebalanceChecks.check(c);
        }
    }

    private static void addReplica(Command.AddReplica a) {
        volume(a.volume());
        present(a.node(), "node");
        a.node().ifPresent(n -> id(n, "node id"));
        id(a.extentId(), "extent id");
        secret(a.secret());
        spare(a.spareFraction());
        time(a.atMillis());
    }

    private static void replaceDkvMirror(Command.ReplaceDkvMirror r) {
        id(r.extentId(), "extent id");
        id(r.newExtentId(), "new extent id");
        if (r.newExtentId().equals(r.extentId())) {
            throw new IllegalArgumentException("a mirror cannot be replaced by itself (" + r.extentId() + ")");
        }
        shard(r.shard());
        secret(r.secret());
        dkvPlacement(r.placement());
        time(r.atMillis());
    }

    private static void dkvShardRecovered(Command.DkvShardRecovered r) {
        shard(r.shard());
        if (r.epoch() < 0) {
            throw new IllegalArgumentException("epoch must not be negative, got " + r.epoch());
        }
        time(r.atMillis());
    }

    static void reserveDkvKeys(Command.ReserveDkvKeys r) {
        if (r.keys() < 0 || r.keys() > DkvLayout.MAX_KEYS) {
            throw new IllegalArgumentException("keys must be from 0 to " + DkvLayout.MAX_KEYS + ", got " + r.keys());
        }
        dkvPlacement(r.placement());
        List<UUID> extents =
                list(r.extentIds(), "extentIds", DkvLayout.MAX_SHARDS_PER_RESERVATION * DkvLayout.MAX_MIRRORS);
        extents.forEach(e -> id(e, "extent id"));
        if (new HashSet<>(extents).size() != extents.size()) {
            throw new IllegalArgumentException("extentIds name an extent twice");
        }
        if (list(r.secrets(), "secrets", extents.size()).size() != extents.size()) {
            throw new IllegalArgumentException("secrets must be as many as extentIds");
        }
        r.secrets().forEach(CommandChecks::secret);
        time(r.atMillis());
    }

    private static void dkvPlacement(Command.DkvPlacement p) {
        present(p, "placement");
        if (p.mirrors() < 1 || p.mirrors() > DkvLayout.MAX_MIRRORS) {
            throw new IllegalArgumentException(
                    "mirrors must be from 1 to " + DkvLayout.MAX_MIRRORS + ", got " + p.mirrors());
        }
        if (p.perDrive() < 1 || p.perDrive() > DkvLayout.MAX_PER_DRIVE) {
            throw new IllegalArgumentException(
                    "KV volumes per drive must be from 1 to " + DkvLayout.MAX_PER_DRIVE + ", got " + p.perDrive());
        }
        spare(p.spareFraction());
    }

    private static void shard(int shard) {
        if (shard < 0 || shard >= DkvLayout.MAX_SHARDS) {
            throw new IllegalArgumentException(
                    "shard must be from 0 to " + (DkvLayout.MAX_SHARDS - 1) + ", got " + shard);
        }
    }

    private static void heartbeat(Command.Heartbeat h) {
        id(h.nodeId(), "node id");
        drives(h.drives());
        for (ObservedExtent e : list(h.extents(), "extents", Limits.MAX_EXTENTS_PER_NODE)) {
            present(e, "an extent");
            id(e.id(), "extent id");
            id(e.driveId(), "extent " + e.id() + "'s drive id");
            bytes(e.sizeBytes(), "extent " + e.id() + "'s sizeBytes", Limits.MAX_DRIVE_BYTES);
            if (e.generation() < 0) {
                throw new IllegalArgumentException("extent " + e.id() + "'s generation is negative: " + e.generation());
            }
        }
        list(h.errors(), "errors", Limits.MAX_ERRORS).forEach(t -> text(t, "an error", Limits.MAX_ERROR_CHARS));
        for (LegCopyProgress c : list(h.copies(), "copies", Limits.MAX_EXTENTS_PER_NODE)) {
            present(c, "a copy report");
            id(c.extentId(), "copy's extent id");
            present(c.state(), "copy of " + c.extentId() + ": state");
            if (c.generation() < 0) {
                throw new IllegalArgumentException("copy of " + c.extentId() + ": generation is negative");
            }
            // A copy moves at most a leg: its figures stay far from overflowing what shows them (done * 100).
            bytes(c.doneBytes(), "copy of " + c.extentId() + ": doneBytes", Limits.MAX_DRIVE_BYTES);
            bytes(c.totalBytes(), "copy of " + c.extentId() + ": totalBytes", Limits.MAX_DRIVE_BYTES);
            bytes(c.bytesPerSecond(), "copy of " + c.extentId() + ": bytesPerSecond", Limits.MAX_DRIVE_BYTES);
            text(c.message(), "copy of " + c.extentId() + ": message", Limits.MAX_ERROR_CHARS);
        }
        if (h.reconciledIndex() < -1) {
            throw new IllegalArgumentException(
                    "reconciledIndex must be -1 (none yet) or more, got " + h.reconciledIndex());
        }
        time(h.atMillis());
    }

    /** Well-formed extent ids for new extents: present, none twice. */
    static void newExtents(List<UUID> extentIds) {
        List<UUID> extents = list(extentIds, "extentIds", Limits.MAX_VOLUME_BSTORES);
        extents.forEach(e -> id(e, "extent id"));
        if (new HashSet<>(extents).size() != extents.size()) {
            throw new IllegalArgumentException("extentIds name an extent twice: " + extents);
        }
    }

    private static void createVolume(Command.CreateVolume v) {
        id(v.volumeId(), "volume id");
        present(v.name(), "name");
        text(v.className(), "class", Limits.MAX_NAME_CHARS);
        newExtents(v.extentIds());
        list(v.secrets(), "secrets", Limits.MAX_VOLUME_BSTORES).forEach(CommandChecks::secret);
        if (v.firstKey() < 0) {
            throw new IllegalArgumentException("firstKey is negative");
        }
        if (v.reservation() != null) {
            reserveDkvKeys(v.reservation());
        }
        spare(v.spareFraction());
        time(v.atMillis());
    }

    private static void deleteVolume(Command.DeleteVolume d) {
        volume(d.volume());
        time(d.atMillis());
        for (Command.Orphaned b : list(d.bstores(), "bstores", Limits.MAX_VOLUME_BSTORES)) {
            id(present(b, "a BStore").extentId(), "extent id");
            id(b.nodeId(), "node id");
        }
    }

    private static void agentHeartbeat(Command.AgentHeartbeat a) {
        host(a.host());
        text(a.nbdAddress(), "nbdAddress", Limits.MAX_ADDRESS_CHARS);
        for (VolumeReport r : list(a.volumes(), "volumes", Limits.MAX_AGENT_VOLUMES)) {
            present(r, "a volume report");
            id(r.volumeId(), "volume id");
            if (r.generation() < 0) {
                throw new IllegalArgumentException("volume " + r.volumeId() + "'s generation is negative");
            }
            if (r.legs().size() > Limits.MAX_REPORTED_LEGS) {
                throw new IllegalArgumentException("volume " + r.volumeId() + " reports "
                        + r.legs().size() + " legs, more than " + Limits.MAX_REPORTED_LEGS);
            }
            for (Map.Entry<UUID, LegSync> leg : r.legs().entrySet()) {
                LegSync sync = present(leg.getValue(), "leg " + leg.getKey() + "'s report");
                present(sync.state(), "leg " + leg.getKey() + "'s state");
                present(sync.error(), "leg " + leg.getKey() + "'s error");
                sync.error().ifPresent(t -> text(t, "leg " + leg.getKey() + "'s error", Limits.MAX_ERROR_CHARS));
            }
            present(r.resync(), "volume " + r.volumeId() + "'s resync");
            if (r.resync().copiedBytes() < 0) {
                throw new IllegalArgumentException(
                        "resync of volume " + r.volumeId() + " has a negative figure: " + r.resync());
            }
            // A sync copies at most a leg: its figures stay far from overflowing what shows them (done * 100).
            bytes(r.resync().doneBytes(), "resync of volume " + r.volumeId() + ": doneBytes", Limits.MAX_DRIVE_BYTES);
            bytes(r.resync().totalBytes(), "resync of volume " + r.volumeId() + ": totalBytes", Limits.MAX_DRIVE_BYTES);
            bytes(
                    r.resync().bytesPerSecond(),
                    "resync of volume " + r.volumeId() + ": bytesPerSecond",
                    Limits.MAX_DRIVE_BYTES);
        }
        time(a.atMillis());
    }

    private static void replaceLeg(Command.ReplaceLeg r) {
        id(r.volumeId(), "volume id");
        id(r.extentId(), "extent id");
        present(r.why(), "why");
        id(r.newExtentId(), "new extent id");
        if (r.newExtentId().equals(r.extentId())) {
            throw new IllegalArgumentException("a leg cannot be replaced by itself (" + r.extentId() + ")");
        }
        secret(r.secret());
        if (r.maxSyncsPerNode() < 1) {
            throw new IllegalArgumentException("maxSyncsPerNode must be at least 1, got " + r.maxSyncsPerNode());
        }
        spare(r.spareFraction());
        time(r.atMillis());
    }

    private static void drives(List<DriveState> drives) {
        Set<UUID> ids = new HashSet<>();
        for (DriveState d : list(drives, "drives", Limits.MAX_DRIVES_PER_NODE)) {
            present(d, "a drive");
            id(d.id(), "drive id");
            bytes(d.capacityBytes(), "drive " + d.id() + "'s capacityBytes", Limits.MAX_DRIVE_BYTES);
            bytes(d.dataBytes(), "drive " + d.id() + "'s dataBytes", Limits.MAX_DRIVE_BYTES);
            bytes(d.largestFreeBytes(), "drive " + d.id() + "'s largestFreeBytes", Limits.MAX_DRIVE_BYTES);
            if (!ids.add(d.id())) {
                throw new IllegalArgumentException("drive " + d.id() + " is reported twice");
            }
        }
    }

    private static void labels(Map<String, String> labels, String what) {
        present(labels, what);
        if (labels.size() > Limits.MAX_LABELS) {
            throw new IllegalArgumentException(
                    what + " has " + labels.size() + " labels, more than " + Limits.MAX_LABELS);
        }
        // Keys and values are checked as labels (and refused with the label's own reason) when applied.
    }

    static void volume(String idOrName) {
        text(idOrName, "volume", Limits.MAX_NAME_CHARS);
    }

    private static void host(String host) {
        AgentRecord.checkHost(host);
    }

    static void secret(String secret) {
        if (secret == null || !Limits.SECRET.matcher(secret).matches()) {
            throw new IllegalArgumentException("a leg secret must be 1 to 64 letters, digits or . _ ~ -");
        }
    }

    static void spare(double fraction) {
        if (!(fraction >= 0 && fraction < 0.5)) {
            throw new IllegalArgumentException("spareFraction must be from 0 to 0.5, got " + fraction);
        }
    }

    static void time(long millis) {
        if (millis < 0 || millis > Limits.MAX_MILLIS) {
            throw new IllegalArgumentException(
                    "time " + millis + " is not between 0 and " + Limits.MAX_MILLIS + " (the year 9999)");
        }
    }

    private static void duration(long millis, String what) {
        if (millis < 0 || millis > Limits.MAX_DURATION.toMillis()) {
            throw new IllegalArgumentException(what + " must be from 0 to " + Limits.MAX_DURATION.toMillis() + " ("
                    + Limits.MAX_DURATION + "), got " + millis);
        }
    }

    static void bytes(long value, String what, long max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(what + " must be from 0 to " + max + ", got " + value);
        }
    }

    static void id(UUID id, String what) {
        present(id, what);
    }

    private static void text(String text, String what, int maxChars) {
        present(text, what);
        if (text.length() > maxChars) {
            throw new IllegalArgumentException(
                    what + " is " + text.length() + " characters long, more than " + maxChars);
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(what + " holds a control character");
        }
    }

    static <C extends Collection<?>> C list(C items, String what, int max) {
        present(items, what);
        if (items.size() > max) {
            throw new IllegalArgumentException(what + " has " + items.size() + " items, more than " + max);
        }
        return items;
    }

    static <T> T present(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        return value;
    }
}
