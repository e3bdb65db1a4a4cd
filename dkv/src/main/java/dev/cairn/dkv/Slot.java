package dev.cairn.dkv;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * One key's value as a slot holds it: the key, the version of the put that wrote it, whether that
 * put is known to be on every mirror of its shard ({@code settled}), and the value, or none for a
 * delete (a tombstone, which keeps its version so that an older put cannot come back).
 */
public final class Slot {
    private final long key;
    private final Version version;
    private final boolean settled;
    private final byte[] value;

    private Slot(long key, Version version, boolean settled, byte[] value) {
        this.key = key;
        this.version = version;
        this.settled = settled;
        this.value = value;
    }

    /** A put of {@code value} (at most {@link SlotCodec#MAX_VALUE} bytes, read from its position). */
    public static Slot put(long key, Version version, ByteBuffer value) {
        if (value.remaining() > SlotCodec.MAX_VALUE) {
            throw new IllegalArgumentException("a value is at most " + SlotCodec.MAX_VALUE
                    + " bytes (a 4 KiB slot less its " + SlotCodec.HEADER + "-byte header), got " + value.remaining());
        }
        byte[] copy = new byte[value.remaining()];
        value.duplicate().get(copy);
        return new Slot(key, version, false, copy);
    }

    /** A delete: a tombstone at {@code version}. */
    public static Slot tombstone(long key, Version version) {
        return new Slot(key, version, false, null);
    }

    /** As decoded from a slot's bytes. */
    static Slot decoded(long key, Version version, boolean settled, byte[] valueOrNull) {
        return new Slot(key, version, settled, valueOrNull);
    }

    /** This slot, marked as known to be on every mirror. */
    public Slot settle() {
        return settled ? this : new Slot(key, version, true, value);
    }

    public long key() {
        return key;
    }

    public Version version() {
        return version;
    }

    public boolean settled() {
        return settled;
    }

    public boolean deleted() {
        return value == null;
    }

    /** The value, or empty for a tombstone; a copy the caller owns. */
    public Optional<byte[]> value() {
        return value == null ? Optional.empty() : Optional.of(value.clone());
    }

    int valueLength() {
        return value == null ? 0 : value.length;
    }

    void copyValueTo(ByteBuffer out) {
        if (value != null) {
            out.put(value);
        }
    }

    /** The same put: key, version and value (settled or not). */
    boolean samePut(Slot o) {
        return key == o.key && version.equals(o.version) && Arrays.equals(value, o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Slot s && samePut(s) && settled == s.settled;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(key) * 31 + version.hashCode();
    }

    @Override
    public String toString() {
        return "key " + key + " at " + version + (settled ? " settled" : "")
                + (value == null ? " (deleted)" : " (" + value.length + " bytes)");
    }
}
