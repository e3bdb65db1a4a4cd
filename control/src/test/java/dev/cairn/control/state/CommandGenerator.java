package dev.cairn.control.state;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Label;
import dev.cairn.control.model.Attachment;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Limits;
import dev.cairn.control.model.ObservedExtent;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Turns a generated {@link Step} into a command, the way a user, a node, an agent or the leader
 * could send it, or a damaged or hostile one: half the choices are valid-looking (built from the
 * state, so commands succeed and the cluster gets busy), the rest extreme numbers, nulls where JSON
 * could carry them, unknown or duplicate ids, and commands in the wrong order. Deterministic: the
 * same steps against the same states give the same commands.
 */
final class CommandGenerator {
    static final long GIB = 1L << 30;

    /** What a command is about, and six free choices that pick its contents from the pools. */
    record Step(int kind, int a, int b, int c, int d, int e) {}

    static final int KINDS = 26;

    private static final long[] NUMBERS = {
        0,
        -1,
        1,
        4096,
        4097,
        64L << 20,
        GIB,
        10 * GIB,
        100 * GIB,
        Limits.MAX_VOLUME_BYTES,
        Limits.MAX_VOLUME_BYTES + 4096,
        9223372036853727232L,
        Long.MAX_VALUE,
        Long.MIN_VALUE,
        Integer.MAX_VALUE,
        Limits.MAX_DRIVE_BYTES,
        Limits.MAX_DRIVE_BYTES + 1,
        Limits.MAX_MILLIS + 1
    };
    private static final String[] ZONES = {"a", "b", "c", "d"};
    private static final String[] NAMES = {
        "v0", "v1", "v2", "v3", "", "a b", "-x", "x".repeat(64), "1-2-3-4-5", "00000000-0000-0056-0000-000000000000"
    };
    private static final String[] HOSTS = {"h0", "h1", "h0", "h1", "h2", "-bad", "x".repeat(70), "a b"};
    private static final String[] CLASSES = {"single", "zone-2", "zone-3", "c0", "c1", "gold", "Bad Name"};
    private static final String[] SECRETS = {"s3cret", "0123456789abcdef", "", "has space", "x".repeat(65)};
    private static final double[] SPARES = {0, 0, 0.1, 0.49, 0.5, -1, Double.NaN};
    private static final long[] DELAYS = {
        0, 1_000, 60_000, Duration.ofMinutes(11).toMillis()
    };
    private static final int NODES = 6;
    private static final AgentApi.LegSyncState[] SYNC_STATES = {
        AgentApi.LegSyncState.IN_SYNC,
        AgentApi.LegSyncState.SYNCING,
        AgentApi.LegSyncState.FAILED,
        AgentApi.LegSyncState.CONNECTING
    };
    private static final Command.Replacement[] WHYS = {Command.Replacement.REPAIR, Command.Replacement.DRAIN};

    private long now = 1_000_000;
    private long fresh;

    /** Whether {@code step} is a pass of the leader's repair loop (whose proposals must all be accepted). */
    static boolean isRepairPass(Step step) {
        return step.kind() == KINDS - 1;
    }

    /** The command of {@code step} against state {@code s}, or several (a pass of the repair loop). */
    List<Command> next(Step step, ClusterState s) {
        now += DELAYS[step.e() % DELAYS.length];
        long at = step.e() % 23 == 0 ? number(step.d()) : now;
        Command c = switch (step.kind()) {
            case 0 -> register(step, at);
            case 1 -> heartbeat(step, s, at);
            case 2 -> new Command.MarkNodeOffline(node(step.a()), at, step.b() % 3 == 0 ? number(step.c()) : 30_000);
            case 3 -> labels(step);
            case 4 -> new Command.CreateClass(storageClass(step));
            case 5 -> new Command.DeleteClass(pick(CLASSES, step.a()));
            case 6 -> createVolume(step, s, at);
            case 7 -> new Command.DeleteVolume(volumeRef(step.a(), s), at);
            case 8 -> new Command.EraseOrphan(orphanOrNot(step.a(), s), at);
            case 9 -> agentHeartbeat(step, s, at);
            case 10 -> new Command.AttachVolume(volumeRef(step.a(), s), pick(HOSTS, step.b()), step.c() % 2 == 0, at);
            case 11 -> new Command.DetachVolume(volumeRef(step.a(), s), at);
            case 12 -> new Command.DrainNode(node(step.a()), at);
            case 13 -> new Command.UndrainNode(node(step.a()));
            case 14 -> addReplica(step, s, at);
            case 15 -> removeReplica(step, s, at);
            case 16 -> replaceLeg(step, s, at);
            case 17 ->
                new Command.NoteRepair(
                        volumeId(step.a(), s),
                        step.b() % 2 == 0 ? Optional.empty() : Optional.of("x".repeat(step.c() * 5)));
            case 18 -> heartbeat(step, s, at); // nodes report often
            case 19 -> withNulls(step, s, at);
            case 20 -> moveLeg(step, s, at);
            case 22 -> new Command.RemoveNode(node(step.a()), at);
            case 23 ->
                new Command.ResizeVolume(
                        pick(NAMES, step.a()),
                        step.b() % 2 == 0 ? number(step.c()) : (2L + step.c() % 3) * GIB,
                        SPARES[step.d() % SPARES.length],
                        at);
            case 24 -> new Command.ErasureGrown(volumeId(step.a(), s), at);
            case 21 ->
                new Command.SetRebalance(
                        step.b() % 3 == 0 ? Optional.empty() : Optional.of(step.b() % 3 == 1),
                        step.c() % 2 == 0
                                ? Optional.empty()
                                : Optional.of(new double[] {0.05, 0.2, 0, 2}[step.d() % 4]));
            default -> null;
        };
        if (c == null) {
            return repairPass(s, step);
        }
        return List.of(c);
    }

    /**
     * What the leader's repair loop proposes now (ids and secrets from a counter): repairs, or when
     * it starts none, the rebalance's moves.
     */
    private List<Command> repairPass(ClusterState s, Step step) {
        RepairPlanner.Settings settings = new RepairPlanner.Settings(1 + step.a() % 3, 0);
        List<Command> plan = RepairPlanner.plan(s, now, settings, this::freshId, () -> "secret-" + fresh);
        if (plan.stream().noneMatch(c -> c instanceof Command.ReplaceLeg)) {
            plan = new ArrayList<>(plan);
            plan.addAll(RebalancePlanner.plan(
                    s,
                    now,
                    new RebalancePlanner.Settings(settings.maxSyncsPerNode(), 0),
                    this::freshId,
                    () -> "secret-" + fresh,
                    Map.of()));
        }
        return plan;
    }

    private static Command register(Step step, long at) {
        UUID node = node(step.a());
        int n = step.a() % (NODES + 1);
        List<DriveState> drives = new ArrayList<>();
        long size = step.b() % 4 == 0 ? 10 * GIB : 100 * GIB;
        drives.add(new DriveState(new UUID(0x44, n * 8L), size, size, 0, size));
        switch (step.c() % 6) {
            case 0 -> drives.add(drives.getFirst()); // the same drive twice
            case 1 -> drives.add(new DriveState(new UUID(0x44, (n + 1) * 8L), size, size, 0, size)); // another node's
            case 2 -> drives.add(new DriveState(new UUID(0x44, n * 8L + 1), Limits.MAX_DRIVE_BYTES + 1, 1, 0, 1));
            default -> {}
        }
        Map<String, String> labels = new TreeMap<>(Map.of("zone", pick(ZONES, step.d())));
        if (step.e() % 7 == 0) {
            labels.put("Bad Key", "v");
        }
        String nbd = step.d() % 11 == 0 ? "x".repeat(300) : "127.0.0.1:" + (10000 + n);
        return new Command.RegisterNode(node, nbd, "http://127.0.0.1:" + (9000 + n), labels, drives, at);
    }

    /** A node's heartbeat: mostly the legs placed on it, made as asked, plus what goes wrong. */
    private Command heartbeat(Step step, ClusterState s, long at) {
        UUID node = node(step.a());
        List<DriveState> drives = Optional.ofNullable(s.nodes().get(node))
                .map(n -> n.drives())
                .orElse(List.of(new DriveState(new UUID(0x44, 99), GIB, GIB, 0, GIB)));
        List<ObservedExtent> extents = new ArrayList<>();
        for (Volume v : s.volumes().values()) {
            for (Leg l : v.legs()) {
                if (l.nodeId().equals(node) && (step.b() + l.index()) % 5 != 0) {
                    long size = step.c() % 9 == 0 ? number(step.d()) : l.extentSizeBytes();
                    extents.add(new ObservedExtent(l.extentId(), l.driveId(), size, false, l.generation()));
                }
            }
        }
        if (step.c() % 4 == 0) {
            extents.add(new ObservedExtent(freshId(), new UUID(0x44, 0), 1 << 20, step.d() % 2 == 0, 1));
        }
        if (step.d() % 3 != 0) { // mostly, the drives' use as the extents make it (so the rebalance has work)
            Map<UUID, Long> used = new HashMap<>();
            extents.forEach(e -> used.merge(
                    e.driveId(), LegLayout.allocatedBytes(Math.clamp(e.sizeBytes(), 0, 1L << 50)), Long::sum));
            drives = drives.stream()
                    .map(d -> {
                        long u = Math.min(d.dataBytes(), used.getOrDefault(d.id(), 0L));
                        return new DriveState(d.id(), d.capacityBytes(), d.dataBytes(), u, d.dataBytes() - u);
                    })
                    .toList();
        }
        List<String> errors = step.e() % 13 == 0 ? List.of("e".repeat(2000)) : List.of();
        long reconciled = step.b() % 3 == 0 ? -1 : step.b() % 3 == 1 ? s.appliedIndex() : number(step.c());
        return new Command.Heartbeat(node, drives, extents, errors, reconciled, at);
    }

    private Command labels(Step step) {
        Map<String, String> set = new TreeMap<>();
        switch (step.b() % 5) {
            case 0 -> set.put("zone", pick(ZONES, step.c()));
            case 1 -> set.put("rack", "r" + step.c() % 3);
            case 2 -> set.put("Zone", "bad");
            case 3 -> set.put("rack", "r 1");
            default -> {}
        }
        List<String> remove = switch (step.d() % 4) {
            case 0 -> List.of("rack");
            case 1 -> List.of("host");
            case 2 -> List.of("nothing");
            default -> List.of();
        };
        return new Command.SetNodeLabels(node(step.a()), set, remove);
    }

    private StorageClass storageClass(Step step) {
        String spread = step.b() % 3 == 0 ? "rack" : step.b() % 3 == 1 ? "zone" : "room";
        Optional<Label> prefer = step.c() % 2 == 0 ? Optional.empty() : Optional.of(new Label("zone", "a"));
        Duration timeout = step.d() % 3 == 0 ? Limits.MAX_DURATION : Duration.ofMinutes(1 + step.d() % 20);
        return new StorageClass(
                "c" + step.a() % 2,
                1 + step.e() % 5,
                spread,
                prefer,
                timeout,
                1L << (16 + step.a() % 5),
                step.e() % 17 == 0);
    }

    private Command createVolume(Step step, ClusterState s, long at) {
        String className = pick(CLASSES, step.e());
        StorageClass sc = s.classes().get(className);
        int legs = sc == null || step.c() % 5 == 4 ? 1 + step.c() % 4 : sc.replicas();
        List<UUID> extents = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < legs; i++) {
            extents.add(step.d() % 7 == 0 ? takenExtent(s, i) : freshId());
            secrets.add(step.d() % 11 == 10 ? pick(SECRETS, step.e() + i) : "secret-" + i);
        }
        long size = step.b() % 2 == 0 ? (1 + step.b() % 64) * (64L << 20) : number(step.b());
        UUID id = step.e() % 9 == 0 ? volumeId(step.e(), s) : freshId();
        return new Command.CreateVolume(
                id,
                pick(NAMES, step.a()),
                size,
                pick(CLASSES, step.e()),
                extents,
                secrets,
                SPARES[step.c() % SPARES.length],
                at);
    }

    private Command agentHeartbeat(Step step, ClusterState s, long at) {
        String host = pick(HOSTS, step.a());
        List<VolumeReport> reports = new ArrayList<>();
        for (Volume v : s.volumes().values()) {
            Optional<Attachment> a = v.attachment();
            if (a.isEmpty() || (!a.get().host().equals(host) && step.b() % 5 != 0)) {
                continue;
            }
            long generation = a.get().generation() - (step.c() % 6 == 0 ? 1 : 0);
            TreeMap<UUID, LegSync> legs = new TreeMap<>();
            for (Leg l : v.legs()) {
                AgentApi.LegSyncState state = pick(SYNC_STATES, step.d() + l.index());
                Optional<String> error = state == AgentApi.LegSyncState.FAILED ? Optional.of("gone") : Optional.empty();
                legs.put(l.extentId(), new LegSync(state, error));
            }
            long copied = step.e() % 10 == 0 ? Long.MAX_VALUE : 4096;
            reports.add(new VolumeReport(v.id(), generation, legs, new AgentApi.ResyncReport(0, 0, 0, copied)));
        }
        return new Command.AgentHeartbeat(host, host + ":10810", reports, at);
    }

    private Command addReplica(Step step, ClusterState s, long at) {
        Optional<UUID> node = step.b() % 2 == 0 ? Optional.empty() : Optional.of(node(step.c()));
        UUID extent = step.d() % 5 == 0 ? takenExtent(s, step.d()) : freshId();
        return new Command.AddReplica(
                volumeRef(step.a(), s), node, extent, pick(SECRETS, step.e() % 3 == 0 ? step.e() : 0), 0, at);
    }

    private Command removeReplica(Step step, ClusterState s, long at) {
        String leg = switch (step.b() % 4) {
            case 0 -> Integer.toString(step.c() % 4);
            case 1 -> takenExtent(s, step.c()).toString();
            case 2 -> "x";
            default -> "-1";
        };
        return new Command.RemoveReplica(volumeRef(step.a(), s), leg, step.d() % 2 == 0, at);
    }

    private Command replaceLeg(Step step, ClusterState s, long at) {
        UUID extent = takenExtent(s, step.b());
        UUID newExtent = step.c() % 6 == 0 ? extent : freshId();
        int maxSyncs = new int[] {0, 1, 2, Integer.MAX_VALUE}[step.d() % 4];
        Command.Replacement why = pick(WHYS, step.e());
        return new Command.ReplaceLeg(volumeId(step.a(), s), extent, why, newExtent, "secret-r", maxSyncs, 0, at);
    }

    private Command moveLeg(Step step, ClusterState s, long at) {
        UUID extent = takenExtent(s, step.b());
        UUID newExtent = step.c() % 6 == 0 ? extent : freshId();
        int maxSyncs = new int[] {0, 1, 2, Integer.MAX_VALUE}[step.d() % 4];
        UUID drive = new UUID(0x44, (step.e() % (NODES + 1)) * 8L);
        return new Command.MoveLeg(volumeId(step.a(), s), extent, drive, newExtent, "secret-m", maxSyncs, 0, at);
    }

    /** A command with a null where JSON could carry one (a field sent as null, or left out). */
    private Command withNulls(Step step, ClusterState s, long at) {
        UUID node = node(step.a());
        return switch (step.b() % 8) {
            case 0 -> new Command.RegisterNode(node, null, "http://n", Map.of(), List.of(), at);
            case 1 -> new Command.RegisterNode(node, "n:1", "http://n", null, null, at);
            case 2 -> new Command.Heartbeat(node, List.of(), Arrays.asList((ObservedExtent) null), null, -1, at);
            case 3 -> new Command.CreateVolume(null, null, GIB, null, null, null, 0, at);
            case 4 -> new Command.AttachVolume(volumeRef(step.c(), s), null, false, at);
            case 5 -> new Command.SetNodeLabels(node, null, Arrays.asList((String) null));
            case 6 -> new Command.AgentHeartbeat("h0", null, Arrays.asList((VolumeReport) null), at);
            default -> new Command.ReplaceLeg(null, null, null, null, null, 1, 0, at);
        };
    }

    private static UUID node(int choice) {
        int n = choice % (NODES + 1);
        return n == NODES ? new UUID(0x4E, 99) : new UUID(0x4E, n); // the last: a node never registered
    }

    /** A volume's name or id, or a name or id no volume has. */
    private static String volumeRef(int choice, ClusterState s) {
        List<Volume> volumes = List.copyOf(s.volumes().values());
        if (!volumes.isEmpty() && choice % 3 != 2) {
            Volume v = volumes.get(choice % volumes.size());
            return choice % 3 == 0 ? v.name() : v.id().toString();
        }
        return pick(NAMES, choice);
    }

    private UUID volumeId(int choice, ClusterState s) {
        List<UUID> ids = List.copyOf(s.volumes().keySet());
        return ids.isEmpty() || choice % 4 == 3 ? new UUID(0x56, choice) : ids.get(choice % ids.size());
    }

    /** An extent id some leg or orphan has (or a fresh one when there is none). */
    private UUID takenExtent(ClusterState s, int choice) {
        List<UUID> taken = new ArrayList<>();
        s.volumes().values().forEach(v -> v.legs().forEach(l -> taken.add(l.extentId())));
        taken.addAll(s.orphans().keySet());
        return taken.isEmpty() ? freshId() : taken.get(Math.floorMod(choice, taken.size()));
    }

    private UUID orphanOrNot(int choice, ClusterState s) {
        List<Orphan> orphans = List.copyOf(s.orphans().values());
        return orphans.isEmpty() || choice % 3 == 2
                ? freshId()
                : orphans.get(choice % orphans.size()).extentId();
    }

    private UUID freshId() {
        return new UUID(0x45, ++fresh);
    }

    private static long number(int choice) {
        return NUMBERS[choice % NUMBERS.length];
    }

    private static <T> T pick(T[] pool, int choice) {
        return pool[Math.floorMod(choice, pool.length)];
    }
}
