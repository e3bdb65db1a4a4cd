package dev.cairn.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Request bodies for the REST fuzzer: a valid one for each route (built from what the cluster holds,
 * so that many succeed), then, most of the time, mutated: a field of the wrong kind, null, an
 * extreme number, a huge string, deep nesting, a field missing or unknown, a key twice, the text
 * truncated or its bytes flipped.
 */
final class FuzzBodies {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long MIB = 1 << 20;

    private FuzzBodies() {}

    /** A valid body for {@code route} ("METHOD /path/{param}"), or null for a route without one. */
    static JsonNode valid(String route, Random r, FuzzTargets t) {
        ObjectNode o = NODES.objectNode();
        switch (route) {
            case "POST /v1/volumes" -> {
                o.put("name", "fz-" + r.nextInt(12));
                o.put("sizeBytes", (1 + r.nextInt(16)) * MIB);
                o.put("class", t.pick(r, t.classes()));
            }
            case "POST /v1/classes" -> {
                o.put("name", "fzc-" + r.nextInt(4));
                o.put("replicas", 1 + r.nextInt(2));
                o.put("spreadAcross", r.nextBoolean() ? "zone" : "host");
                if (r.nextBoolean()) {
                    o.put("prefer", "zone=a");
                }
                if (r.nextBoolean()) {
                    o.put("repairTimeout", "PT1H");
                }
                if (r.nextBoolean()) {
                    o.put("regionSizeBytes", 1L << (16 + r.nextInt(5)));
                }
            }
            case "PUT /v1/nodes/{id}/labels" -> {
                if (r.nextBoolean()) {
                    o.putObject("set").put("rack", "r" + r.nextInt(3));
                }
                if (r.nextInt(3) == 0) {
                    o.putArray("remove").add("rack");
                }
            }
            case "POST /v1/volumes/{volume}/attach" -> {
                o.put("host", t.pick(r, t.hosts()));
                if (r.nextBoolean()) {
                    o.put("force", r.nextBoolean());
                }
            }
            case "POST /v1/volumes/{volume}/replicas" -> {
                if (r.nextBoolean()) {
                    o.put("node", t.pick(r, t.nodes()));
                }
            }
            case "POST /v1/internal/nodes/{id}/register",
                    "POST /v1/internal/nodes/{id}/heartbeat",
                    "POST /v1/internal/agents/{host}/heartbeat" -> internal(route, o, r, t);
            default -> {
                return null;
            }
        }
        return o;
    }

    /** The calls of nodes and agents. */
    private static void internal(String route, ObjectNode o, Random r, FuzzTargets t) {
        switch (route) {
            case "POST /v1/internal/nodes/{id}/register" -> {
                o.put("nbdAddress", "127.0.0.1:" + (20000 + r.nextInt(100)));
                o.put("adminUrl", "http://127.0.0.1:" + (21000 + r.nextInt(100)));
                o.putObject("labels").put("zone", "fz" + r.nextInt(3));
                o.set("drives", drives(r));
            }
            case "POST /v1/internal/nodes/{id}/heartbeat" -> {
                o.set("drives", drives(r));
                ArrayNode extents = o.putArray("extents");
                for (int i = r.nextInt(3); i > 0; i--) {
                    extents.addObject()
                            .put("id", t.pick(r, t.extents()))
                            .put("driveId", FuzzTargets.uuid(r))
                            .put("sizeBytes", (1 + r.nextInt(8)) * MIB)
                            .put("erasing", r.nextInt(5) == 0)
                            .put("generation", 1 + r.nextInt(3));
                }
                o.putArray("errors");
                o.put("reconciledIndex", r.nextInt(3) == 0 ? -1 : r.nextInt(100_000));
            }
            case "POST /v1/internal/agents/{host}/heartbeat" -> {
                o.put("nbdAddress", "127.0.0.1:" + (22000 + r.nextInt(100)));
                ArrayNode volumes = o.putArray("volumes");
                if (r.nextBoolean()) {
                    ObjectNode v = volumes.addObject()
                            .put("volumeId", t.pick(r, t.volumeIds()))
                            .put("generation", 1 + r.nextInt(4));
                    v.putArray("legs")
                            .addObject()
                            .put("extentId", t.pick(r, t.extents()))
                            .put(
                                    "state",
                                    List.of("IN_SYNC", "SYNCING", "FAILED", "CONNECTING")
                                            .get(r.nextInt(4)));
                    v.putObject("resync")
                            .put("doneBytes", 0)
                            .put("totalBytes", 0)
                            .put("bytesPerSecond", 0)
                            .put("copiedBytes", r.nextInt(1000));
                }
            }
            default -> throw new IllegalArgumentException(route);
        }
    }

    /**
     * Drives of a node the fuzzer makes up: mostly full, so that placement, which prefers the
     * emptiest drives, still puts most volumes on the real nodes (which make them: they can be
     * attached then).
     */
    private static ArrayNode drives(Random r) {
        ArrayNode drives = NODES.arrayNode();
        long size = (1L + r.nextInt(20)) << 30;
        long used = size / 10 * (6 + r.nextInt(4));
        drives.addObject()
                .put("id", FuzzTargets.uuid(r))
                .put("capacityBytes", size)
                .put("dataBytes", size)
                .put("usedBytes", used)
                .put("largestFreeBytes", size - used);
        return drives;
    }

    /** The body as sent: valid (a third of the time), or mutated. */
    static byte[] render(JsonNode valid, Random r) {
        if (valid == null) {
            return r.nextInt(4) == 0 ? mutateText("{}", r) : null;
        }
        JsonNode tree = valid.deepCopy();
        int how = r.nextInt(12);
        if (how < 4) {
            return bytes(tree.toString());
        }
        if (how < 9) {
            mutateTree(tree, r);
            return bytes(tree.toString());
        }
        return mutateText(tree.toString(), r);
    }

    /** Changes one value somewhere in the tree: its kind, its size, or its presence. */
    private static void mutateTree(JsonNode tree, Random r) {
        List<ObjectNode> objects = new ArrayList<>();
        collect(tree, objects);
        if (objects.isEmpty()) {
            return;
        }
        ObjectNode o = objects.get(r.nextInt(objects.size()));
        List<String> fields = new ArrayList<>();
        o.fieldNames().forEachRemaining(fields::add);
        String field = fields.isEmpty() || r.nextInt(6) == 0 ? "unknownField" : fields.get(r.nextInt(fields.size()));
        switch (r.nextInt(14)) {
            case 0 -> o.remove(field);
            case 1 -> o.putNull(field);
            case 2 -> o.put(field, r.nextInt());
            case 3 -> o.put(field, r.nextBoolean());
            case 4 -> o.put(field, r.nextDouble() * 1e300);
            case 5 -> o.put(field, Long.MAX_VALUE);
            case 6 -> o.put(field, Long.MIN_VALUE);
            case 7 -> o.put(field, new BigInteger("99999999999999999999999"));
            case 8 -> o.put(field, "x".repeat(r.nextInt(20) == 0 ? 200_000 : 70));
            case 9 -> o.putArray(field).add(1).addNull().add("x");
            case 10 -> o.putObject(field).put("deep", "x");
            case 11 -> o.set(field, nested(r.nextInt(2) == 0 ? 50 : 900));
            case 12 -> o.put(field, 9223372036853727232L); // the example of issue 14
            default -> o.put(field, -1);
        }
    }

    private static void collect(JsonNode n, List<ObjectNode> into) {
        if (n instanceof ObjectNode o) {
            into.add(o);
        }
        n.elements().forEachRemaining(child -> collect(child, into));
    }

    private static JsonNode nested(int depth) {
        ArrayNode top = NODES.arrayNode();
        ArrayNode at = top;
        for (int i = 1; i < depth; i++) {
            at = at.addArray();
        }
        return top;
    }

    /** The text itself damaged: cut short, a key twice, bytes flipped, or something else entirely. */
    private static byte[] mutateText(String text, Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> bytes(text.substring(0, r.nextInt(Math.max(1, text.length()))));
            case 1 -> bytes(text.startsWith("{") && text.length() > 2 ? "{\"a\":1,\"a\":2," + text.substring(1) : "[");
            case 2 -> {
                byte[] b = bytes(text);
                for (int i = 0; i < 3 && b.length > 0; i++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                yield b;
            }
            case 3 -> bytes("null");
            case 4 -> bytes("");
            case 5 -> bytes("[" + text + "]");
            case 6 -> bytes(text + text);
            case 7 -> bytes("\"" + "y".repeat(r.nextInt(20) == 0 ? 1_100_000 : 5_000) + "\""); // over the 1 MB limit
            case 8 -> bytes("{".repeat(1 + r.nextInt(5_000)));
            default -> bytes("[".repeat(3_000) + "]".repeat(3_000)); // deeper than the parser takes
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
