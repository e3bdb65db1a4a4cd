package dev.cairn.erasure;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/** Test shards: random bytes at an offset inside bigger buffers, heap or direct. */
final class Shards {
    private Shards() {}

    /** {@code count} shards of {@code length} random bytes from {@code seed}, each at {@code offset}. */
    static ByteBuffer[] random(int count, int length, int offset, boolean direct, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer[] shards = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            shards[i] = place(bytes, offset, direct);
        }
        return shards;
    }

    /** {@code count} zeroed shards of room {@code length} at {@code offset}. */
    static ByteBuffer[] empty(int count, int length, int offset, boolean direct) {
        ByteBuffer[] shards = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            shards[i] = place(new byte[length], offset, direct);
        }
        return shards;
    }

    /**
     * {@code bytes} at {@code offset} in a buffer with 7 bytes of 0x5a after them: a kernel that
     * writes past its shard shows up as a changed guard.
     */
    static ByteBuffer place(byte[] bytes, int offset, boolean direct) {
        int size = offset + bytes.length + 7;
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) 0x5a);
        }
        b.put(offset, bytes);
        return b.position(offset).limit(offset + bytes.length);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(b.position(), out);
        return out;
    }

    /** Whether the guard bytes around every shard are untouched. */
    static boolean guardsIntact(ByteBuffer[] shards) {
        for (ByteBuffer shard : shards) {
            ByteBuffer b = shard.duplicate().clear();
            for (int i = 0; i < shard.position(); i++) {
                if (b.get(i) != 0x5a) {
                    return false;
                }
            }
            for (int i = shard.limit(); i < b.capacity(); i++) {
                if (b.get(i) != 0x5a) {
                    return false;
                }
            }
        }
        return true;
    }

    static ByteBuffer[] concat(ByteBuffer[] a, ByteBuffer[] b) {
        ByteBuffer[] out = new ByteBuffer[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
