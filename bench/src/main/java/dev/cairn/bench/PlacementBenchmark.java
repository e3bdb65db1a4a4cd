package dev.cairn.bench;

import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.DriveState;
import dev.cairn.control.model.LegLayout;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.NodeState;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.placement.PlacedLeg;
import dev.cairn.control.placement.Placement;
import dev.cairn.control.placement.PlacementException;
import dev.cairn.control.placement.PlacementRequest;
import dev.cairn.control.state.ClusterStateMachine;
import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * Places many volumes on a simulated cluster and reports speed and balance: Cairn's controller
 * (CreateVolume commands applied to the state machine, as the replicated log does) and its
 * placement engine alone, against two peers measured in the same run: a naive greedy placer that
 * sorts every drive for every volume, and random placement. Balance is the spread (max - min) of
 * the drives' free-space fractions at the end, in percentage points.
 *
 * <p>Usage: {@code PlacementBenchmark [volumes] [nodes] [zones] [seed]}; the last line is
 * {@code placements/s: N} (volumes per second through the state machine).
 */
public final class PlacementBenchmark {
    private static final long GIB = 1L << 30;
    private static final long TIB = 1L << 40;
    private static final long[] DRIVE_TIB = {4, 8, 12, 16, 20};
    private static final int LEGS = 3;
    private static final String ZONE = "zone";

    private PlacementBenchmark() {}

    /** One volume to place: its id, name, size; extent ids and secrets decided beforehand. */
    private record Request(Command.CreateVolume command, long legBytes) {}

    public static void main(String[] args) {
        int volumes = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int zones = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;

        ClusterState cluster = cluster(nodes, zones, new Random(seed));
        List<Request> requests = requests(volumes, new Random(seed + 1));
        long capacity = cluster.nodes().values().stream()
                .flatMap(n -> n.drives().stream())
                .mapToLong(DriveState::dataBytes)
                .sum();
        long legBytes = requests.stream().mapToLong(Request::legBytes).sum() * LEGS;
        int drives = cluster.nodes().values().stream()
                .mapToInt(n -> n.drives().size())
                .sum();
        System.out.printf(
                Locale.ROOT,
                "cluster: %d nodes in %d zones, %d drives of %s TiB (%.1f PiB); %d volumes of 1..64 GiB, %d legs"
                        + " across %s (%.1f%% of the space)%n",
                nodes,
                zones,
                drives,
                Arrays.toString(DRIVE_TIB),
                capacity / (double) (1024 * TIB),
                volumes,
                LEGS,
                ZONE,
                100.0 * legBytes / capacity);

        // Warm up the JIT on a copy (same work), then measure on a fresh copy.
        stateMachine(cluster.copy(), requests);
        Result machine = stateMachine(cluster.copy(), requests);
        report("cairn controller (CreateVolume applied)", machine);
        engine(cluster.copy(), requests);
        Result engine = engine(cluster.copy(), requests);
        report("cairn placement engine alone", engine);
        int naiveCount = Math.min(volumes, 10_000);
        naive(cluster.copy(), requests.subList(0, naiveCount));
        Result naive = naive(cluster.copy(), requests.subList(0, naiveCount));
        report("naive greedy (sorts every drive per volume; first " + naiveCount + ")", naive);
        Result random = random(cluster.copy(), requests, new Random(seed + 2));
        report("random placement (balance peer)", random);
        System.out.printf(
                Locale.ROOT,
                "ratio controller/naive greedy: %.1f; spread controller %.2f pp vs random %.2f pp%n",
                machine.perSecond() / naive.perSecond(),
                machine.spreadPoints(),
                random.spreadPoints());
        System.out.printf(Locale.ROOT, "placements/s: %.0f%n", machine.perSecond());
    }

    private record Result(int placed, int refused, long nanos, double spreadPoints, double minFree, double maxFree) {
        double perSecond() {
            return placed / (nanos / 1e9);
        }
    }

    private static void report(String what, Result r) {
        System.out.printf(
                Locale.ROOT,
                "%-62s %7d placed, %d refused in %6.3f s: %,10.0f volumes/s; free fraction %.2f%%..%.2f%%, spread %.2f"
                        + " pp%n",
                what,
                r.placed(),
                r.refused(),
                r.nanos() / 1e9,
                r.perSecond(),
                100 * r.minFree(),
                100 * r.maxFree(),
                r.spreadPoints());
    }

    private static Result result(int placed, int refused, long nanos, Collection<Double> fractions) {
        double min = fractions.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = fractions.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return new Result(placed, refused, nanos, 100 * (max - min), min, max);
    }

    /** 1,000 nodes in 10 zones by default; each with 1 to 4 drives of 4 to 20 TiB. */
    private static ClusterState cluster(int nodes, int zones, Random random) {
        ClusterState s = ClusterState.empty();
        for (int i = 0; i < nodes; i++) {
            UUID id = new UUID(0x6e6f6465L, i);
            List<DriveState> drives = new ArrayList<>();
            int count = 1 + random.nextInt(4);
            for (int d = 0; d < count; d++) {
                long bytes = DRIVE_TIB[random.nextInt(DRIVE_TIB.length)] * TIB;
                drives.add(new DriveState(new UUID(0x64726976L, i * 8L + d), bytes, bytes, 0, bytes));
            }
            TreeMap<String, String> labels = new TreeMap<>(Map.of(ZONE, "z" + (i % zones), "host", "h" + i));
            s.nodes()
                    .put(
                            id,
                            new NodeRecord(
                                    id,
                                    "10.0.0.1:10809",
                                    "http://10.0.0.1:8410",
                                    labels,
                                    drives,
                                    new TreeMap<>(),
                                    List.of(),
                                    NodeState.ONLINE,
                                    0,
                                    0,
                                    java.util.Optional.empty(),
                                    List.of(),
                                    null));
        }
        return s;
    }

    private static List<Request> requests(int volumes, Random random) {
        List<Request> requests = new ArrayList<>(volumes);
        for (int i = 0; i < volumes; i++) {
            long size = (1 + random.nextInt(64)) * GIB;
            List<UUID> extents = new ArrayList<>();
            List<String> secrets = new ArrayList<>();
            for (int l = 0; l < LEGS; l++) {
                extents.add(new UUID(random.nextLong(), random.nextLong()));
                secrets.add(Long.toHexString(random.nextLong()));
            }
            Command.CreateVolume c =
                    new Command.CreateVolume(new UUID(0x766f6cL, i), "v" + i, size, "zone-3", extents, secrets, 0, 0);
            long leg = LegLayout.allocatedBytes(LegLayout.extentBytes(size, StorageClass.DEFAULT_REGION_BYTES));
            requests.add(new Request(c, leg));
        }
        return requests;
    }

    private static Result stateMachine(ClusterState cluster, List<Request> requests) {
        ClusterStateMachine machine = new ClusterStateMachine(cluster);
        int placed = 0;
        long start = System.nanoTime();
        long index = 1;
        for (Request r : requests) {
            Outcome o = machine.apply(index++, r.command());
            placed += o.isOk() ? 1 : 0;
        }
        long nanos = System.nanoTime() - start;
        Map<UUID, Double> fractions = machine.read(s -> Placement.of(s, 0).freeFractions());
        return result(placed, requests.size() - placed, nanos, fractions.values());
    }

    private static Result engine(ClusterState cluster, List<Request> requests) {
        Placement p = Placement.of(cluster, 0);
        int placed = 0;
        long start = System.nanoTime();
        for (Request r : requests) {
            try {
                List<PlacedLeg> legs = p.place(PlacementRequest.of(LEGS, r.legBytes(), ZONE, Optional.empty()));
                p.commit(legs, r.legBytes());
                placed++;
            } catch (PlacementException e) {
                // counted as refused
            }
        }
        long nanos = System.nanoTime() - start;
        return result(placed, requests.size() - placed, nanos, p.freeFractions().values());
    }

    /** A drive as the peers see it (distinct zones imply distinct nodes). */
    private static final class Disk {
        final String zone;
        final long capacity;
        long free;

        Disk(String zone, long capacity) {
            this.zone = zone;
            this.capacity = capacity;
            this.free = capacity;
        }

        double fraction() {
            return free / (double) capacity;
        }
    }

    private static List<Disk> disks(ClusterState cluster) {
        List<Disk> disks = new ArrayList<>();
        for (NodeRecord n : cluster.nodes().values()) {
            for (DriveState d : n.drives()) {
                disks.add(new Disk(n.labels().get(ZONE), d.dataBytes()));
            }
        }
        return disks;
    }

    /** Runs a peer placer: it picks the drives for each volume, this charges them and keeps count. */
    private static Result runPeer(List<Disk> disks, List<Request> requests, Function<Request, List<Disk>> chooser) {
        int placed = 0;
        long start = System.nanoTime();
        for (Request r : requests) {
            List<Disk> chosen = chooser.apply(r);
            if (chosen.size() == LEGS) {
                chosen.forEach(d -> d.free -= r.legBytes());
                placed++;
            }
        }
        long nanos = System.nanoTime() - start;
        return result(
                placed,
                requests.size() - placed,
                nanos,
                disks.stream().map(Disk::fraction).toList());
    }

    /** Sorts every drive by free fraction for every volume, takes the best of distinct zones. */
    private static Result naive(ClusterState cluster, List<Request> requests) {
        List<Disk> disks = disks(cluster);
        return runPeer(disks, requests, r -> {
            List<Disk> sorted = new ArrayList<>(disks);
            sorted.sort(Comparator.comparingDouble(Disk::fraction).reversed());
            List<Disk> chosen = new ArrayList<>();
            Set<String> zones = new HashSet<>();
            for (Disk d : sorted) {
                if (d.free >= r.legBytes() && zones.add(d.zone)) {
                    chosen.add(d);
                    if (chosen.size() == LEGS) {
                        break;
                    }
                }
            }
            return chosen;
        });
    }

    /** Random distinct zones, a random drive with room in each. */
    private static Result random(ClusterState cluster, List<Request> requests, Random random) {
        List<Disk> disks = disks(cluster);
        Map<String, List<Disk>> byZone = new HashMap<>();
        disks.forEach(
                d -> byZone.computeIfAbsent(d.zone, z -> new ArrayList<>()).add(d));
        List<String> zones = new ArrayList<>(new TreeMap<>(byZone).keySet());
        return runPeer(disks, requests, r -> {
            List<String> order = new ArrayList<>(zones);
            Collections.shuffle(order, random);
            List<Disk> chosen = new ArrayList<>();
            for (String z : order) {
                List<Disk> in = byZone.get(z);
                for (int attempt = 0; attempt < 8; attempt++) {
                    Disk d = in.get(random.nextInt(in.size()));
                    if (d.free >= r.legBytes()) {
                        chosen.add(d);
                        break;
                    }
                }
                if (chosen.size() == LEGS) {
                    break;
                }
            }
            return chosen;
        });
    }
}
