package dev.cairn.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * What the cluster held when last read, for the fuzzer to aim at: names and ids of volumes (and
 * which are available, so that attaching and adding legs can succeed), nodes, classes, orphans,
 * extents and agents. Immutable; the fuzzer swaps in a new one now and then.
 */
record FuzzTargets(
        List<String> volumeNames,
        List<String> volumeIds,
        List<String> available,
        List<String> nodes,
        List<String> classes,
        List<String> orphans,
        List<String> extents,
        List<String> hosts) {

    /** Fuzzer-made agents, so that attaching can succeed once they have heartbeated. */
    static final List<String> FUZZ_HOSTS = List.of("fz-h0", "fz-h1", "fz-h2");

    FuzzTargets {
        volumeNames = List.copyOf(volumeNames);
        volumeIds = List.copyOf(volumeIds);
        available = List.copyOf(available);
        nodes = List.copyOf(nodes);
        classes = List.copyOf(classes);
        orphans = List.copyOf(orphans);
        extents = List.copyOf(extents);
        hosts = List.copyOf(hosts);
    }

    /** Read from the cluster's lists (admin token). {@code fuzzNodes}: node ids the fuzzer registers. */
    static FuzzTargets of(
            JsonNode volumes, JsonNode nodes, JsonNode classes, JsonNode orphans, List<String> fuzzNodes) {
        List<String> extents = new ArrayList<>(volumes.findValuesAsText("extentId"));
        List<String> nodeIds = new ArrayList<>(nodes.findValuesAsText("id"));
        fuzzNodes.stream().filter(n -> !nodeIds.contains(n)).forEach(nodeIds::add);
        List<String> hosts = new ArrayList<>(FUZZ_HOSTS);
        List<String> volumeNames = new ArrayList<>();
        List<String> volumeIds = new ArrayList<>();
        List<String> available = new ArrayList<>();
        for (JsonNode v : volumes) {
            volumeNames.add(v.get("name").asText());
            volumeIds.add(v.get("id").asText());
            if (v.get("state").asText().equals("AVAILABLE")) {
                available.add(v.get("name").asText());
            }
        }
        return new FuzzTargets(
                volumeNames,
                volumeIds,
                available,
                nodeIds,
                classes.findValuesAsText("name"),
                orphans.findValuesAsText("extentId"),
                extents,
                hosts);
    }

    /** One of {@code items}, or a fresh UUID when there is none. */
    String pick(Random r, List<String> items) {
        return items.isEmpty() ? uuid(r) : items.get(r.nextInt(items.size()));
    }

    /** A UUID from the fuzzer's own random numbers (so a seed replays the same requests). */
    static String uuid(Random r) {
        return new UUID(r.nextLong(), r.nextLong()).toString();
    }
}
