package dev.cairn.drive;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * Who may use an extent over the network: a secret the client must present (empty: none needed)
 * and the current generation. A connection that opened the extent with an older generation than
 * the current one is fenced: its I/O is refused.
 */
public record ExtentAccess(long generation, String secret) {
    /** Longest secret the on-disk entry holds. */
    public static final int MAX_SECRET_BYTES = 64;

    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9._~-]*");

    public static final ExtentAccess OPEN = new ExtentAccess(0, "");

    public ExtentAccess {
        if (generation < 0) {
            throw new IllegalArgumentException("generation must not be negative, got " + generation);
        }
        if (secret.length() > MAX_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "secret is " + secret.length() + " characters, at most " + MAX_SECRET_BYTES + " are allowed");
        }
        if (!SECRET.matcher(secret).matches()) {
            throw new IllegalArgumentException("secret may only contain letters, digits and . _ ~ -");
        }
    }

    public boolean requiresSecret() {
        return !secret.isEmpty();
    }

    /** Compares a presented secret in constant time. */
    public boolean secretMatches(String presented) {
        return MessageDigest.isEqual(
                secret.getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "ExtentAccess[generation=" + generation + ", secret=" + (secret.isEmpty() ? "none" : "***") + "]";
    }
}
