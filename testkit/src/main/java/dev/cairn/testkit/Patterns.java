package dev.cairn.testkit;

import java.nio.ByteBuffer;
import java.util.Random;

/** Reproducible test data: the same seed always gives the same bytes. */
public final class Patterns {
    private Patterns() {}

    /** {@code length} pseudo-random bytes from {@code seed}, in a fresh heap buffer. */
    public static ByteBuffer random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }
}
