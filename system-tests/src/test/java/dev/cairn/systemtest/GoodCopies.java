package dev.cairn.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testkit.NodeProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * Counts, every {@value #EVERY_MILLIS} ms, the extents that hold a (detached) volume's data: every
 * extent that ever was a leg of it, read straight from its node's drive file (a stopped node's
 * too), sampled at one 4 KiB block per region against what the first leg held when watching
 * began. Records the lowest count seen, so a test can check that no fault or repair ever left the
 * volume with fewer copies of its data than it started with.
 */
final class GoodCopies implements AutoCloseable {
    private static final long EVERY_MILLIS = 150;
    private static final int SAMPLE = 4096;

    /** One extent that was a leg: where its data starts in its node's drive file. */
    private record Copy(String extentId, Path drive, long dataStart) {}

    private final Function<String, JsonNode> volume;
    private final Map<String, NodeProcess> nodes;
    private final Function<NodeProcess, Path> driveOf;
    private final String name;
    private final long volumeBytes;
    private final long regionBytes;
    private final Map<String, Copy> known = new ConcurrentHashMap<>();
    private final List<Long> expected;
    private final Thread watcher;
    private volatile int lowest = Integer.MAX_VALUE;
    private volatile String lowestWhen = "";
    private volatile String failure = "";
    private volatile boolean closed;

    /**
     * Starts watching volume {@code name} (its view from {@code volume}), whose legs are on {@code
     * nodes}, each with its drive file at {@code driveOf}.
     */
    GoodCopies(
            String name,
            Function<String, JsonNode> volume,
            Map<String, NodeProcess> nodes,
            Function<NodeProcess, Path> driveOf,
            long regionBytes)
            throws IOException {
        this.name = name;
        this.volume = volume;
        this.nodes = nodes;
        this.driveOf = driveOf;
        this.regionBytes = regionBytes;
        JsonNode v = volume.apply(name);
        this.volumeBytes = v.get("sizeBytes").asLong();
        discover(v);
        this.expected = samples(known.get(v.get("legs").get(0).get("extentId").asText()));
        this.lowest = count();
        this.watcher = Thread.ofVirtual().name("good-copies-" + name).start(this::watch);
    }

    private void watch() {
        while (!closed) {
            try {
                discover(volume.apply(name));
                int now = count();
                if (now < lowest) {
                    lowest = now;
                    lowestWhen = volume.apply(name).toString();
                }
                Thread.sleep(EVERY_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                failure = e.toString(); // a controller restarting, say: looked at again next time
            }
        }
    }

    /** Learns where every leg the volume lists now lives (asking its node, if it answers). */
    private void discover(JsonNode v) throws IOException {
        for (JsonNode leg : v.get("legs")) {
            String extent = leg.get("extentId").asText();
            if (known.containsKey(extent)) {
                continue;
            }
            NodeProcess node = nodes.values().stream()
                    .filter(n -> n.nodeId().equals(leg.get("nodeId").asText()))
                    .findFirst()
                    .orElseThrow();
            var answer = node.admin().get("/v1/extents/" + extent);
            if (answer.status() != 200) {
                continue; // not made yet
            }
            JsonNode e = answer.body();
            long size = e.get("sizeBytes").asLong();
            known.put(
                    extent,
                    new Copy(extent, driveOf.apply(node), e.get("driveOffset").asLong() + size - volumeBytes));
        }
    }

    private List<Long> samples(Copy c) throws IOException {
        List<Long> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(c.drive(), StandardOpenOption.READ)) {
            for (long r = 0; r * regionBytes < volumeBytes; r++) {
                long blocks = Math.max(1, Math.min(regionBytes, volumeBytes - r * regionBytes) / SAMPLE);
                long at = c.dataStart() + r * regionBytes + (r * 7919 % blocks) * SAMPLE;
                ByteBuffer b = ByteBuffer.allocate(SAMPLE);
                while (b.hasRemaining() && ch.read(b, at + b.position()) >= 0) {
                    // read the whole sample
                }
                CRC32C crc = new CRC32C();
                crc.update(b.flip());
                out.add(crc.getValue());
            }
        }
        return out;
    }

    private int count() throws IOException {
        int good = 0;
        for (Copy c : known.values()) {
            if (samples(c).equals(expected)) {
                good++;
            }
        }
        return good;
    }

    /** The fewest copies seen holding the data since watching began. */
    int lowest() {
        return lowest;
    }

    /**
     * Copies holding the data, counted now (the watcher's last look may be up to a period older:
     * from before an extent the caller saw go was erased).
     */
    int now() throws IOException {
        return count();
    }

    /** What the volume looked like when the fewest copies were seen, and the last error, if any. */
    String describe() {
        return "lowest " + lowest + " when " + lowestWhen + (failure.isEmpty() ? "" : "; last error " + failure);
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }
}
