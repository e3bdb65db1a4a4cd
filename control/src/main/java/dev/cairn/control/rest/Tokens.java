package dev.cairn.control.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The bearer tokens the controller accepts, one per role. Compared in constant time. The node
 * token may be absent: nodes then use the admin token.
 */
public record Tokens(String admin, String read, Optional<String> node) {
    public Tokens {
        if (admin.isBlank() || read.isBlank()) {
            throw new IllegalArgumentException("admin and read-only tokens must not be empty");
        }
        if (admin.equals(read)) {
            throw new IllegalArgumentException("the admin and read-only tokens must differ");
        }
    }

    /** The role of the bearer of {@code header} ("Bearer TOKEN"), if any. */
    public Optional<Role> roleOf(String header) {
        // The scheme name is case-insensitive (RFC 9110 section 11.1).
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        if (matches(presented, admin)) {
            return Optional.of(Role.ADMIN);
        }
        if (matches(presented, read)) {
            return Optional.of(Role.READ);
        }
        if (node.isPresent() && matches(presented, node.get())) {
            return Optional.of(Role.NODE);
        }
        return Optional.empty();
    }

    private static boolean matches(byte[] presented, String token) {
        return MessageDigest.isEqual(presented, token.getBytes(StandardCharsets.UTF_8));
    }
}
