package dev.cairn.node;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The NBD export name a client sends: {@code EXTENT_ID} for an open extent, or
 * {@code EXTENT_ID;gen=GENERATION;key=SECRET} for one that requires credentials (parameters in any
 * order). The controller hands the generation and secret to the agent it attaches a volume to.
 */
record ExportName(UUID extentId, OptionalLong generation, Optional<String> key) {

    /** Parses a name; empty if it is not an extent export name at all. */
    static Optional<ExportName> parse(String name) throws IllegalArgumentException {
        String[] parts = name.split(";", -1);
        UUID id;
        try {
            id = UUID.fromString(parts[0]);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        OptionalLong generation = OptionalLong.empty();
        Optional<String> key = Optional.empty();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("gen=") && generation.isEmpty()) {
                try {
                    generation = OptionalLong.of(Long.parseLong(p.substring(4)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("generation '" + p.substring(4) + "' is not a number");
                }
            } else if (p.startsWith("key=") && key.isEmpty()) {
                key = Optional.of(p.substring(4));
            } else {
                throw new IllegalArgumentException(
                        "unknown or repeated export name parameter '" + p + "' (expected gen=N and key=SECRET)");
            }
        }
        return Optional.of(new ExportName(id, generation, key));
    }

    /** The name a client uses to open {@code extentId} with these credentials. */
    static String of(UUID extentId, long generation, String secret) {
        return extentId + ";gen=" + generation + ";key=" + secret;
    }
}
