package dev.cairn.control.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The layout of one PStore as the DKV holds it (the value under the PStore's key): which volume and
 * PStore it is, its BStores' extent size, and each BStore's node, drive, extent and secret, in
 * member order (data, then parity).
 *
 * <p>Format (big-endian): magic "PST1", volume id, PStore index, BStore bytes, member count, then
 * per member node id, drive id, extent id and the secret's length and bytes (hex text). A 32-wide
 * PStore takes under 3.5 KiB: one DKV slot.
 */
public record PStoreLayout(UUID volumeId, int index, long bstoreBytes, List<ErasureLayout.BStorePlacement> members) {
    private static final int MAGIC = 0x50535431; // "PST1"
    private static final int MAX_SECRET = 64;

    public PStoreLayout {
        members = List.copyOf(members);
        if (members.isEmpty() || members.size() > ErasureCode.MAX_WIDTH) {
            throw new IllegalArgumentException(
                    "a PStore has 2 to " + ErasureCode.MAX_WIDTH + " BStores, got " + members.size());
        }
        for (ErasureLayout.BStorePlacement b : members) {
            if (b.secret().length() > MAX_SECRET || !b.secret().matches("[0-9a-f]*")) {
                throw new IllegalArgumentException("BStore " + b.extentId() + " has a secret that is not short hex");
            }
        }
    }

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(4 + 16 + 4 + 8 + 4 + members.size() * (48 + 4 + MAX_SECRET));
        b.putInt(MAGIC);
        putUuid(b, volumeId);
        b.putInt(index).putLong(bstoreBytes).putInt(members.size());
        for (ErasureLayout.BStorePlacement m : members) {
            putUuid(b, m.nodeId());
            putUuid(b, m.driveId());
            putUuid(b, m.extentId());
            byte[] secret = m.secret().getBytes(StandardCharsets.US_ASCII);
            b.putInt(secret.length).put(secret);
        }
        return b.flip();
    }

    /** Decodes a value read from the DKV; a value that is not a PStore layout is an error that says why. */
    public static PStoreLayout decode(byte[] value) {
        try {
            ByteBuffer b = ByteBuffer.wrap(value);
            if (b.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a PStore layout (bad magic)");
            }
            UUID volume = getUuid(b);
            int index = b.getInt();
            long bstoreBytes = b.getLong();
            int count = b.getInt();
            if (count < 1 || count > ErasureCode.MAX_WIDTH) {
                throw new IllegalArgumentException("a PStore layout with " + count + " BStores");
            }
            List<ErasureLayout.BStorePlacement> members = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                UUID node = getUuid(b);
                UUID drive = getUuid(b);
                UUID extent = getUuid(b);
                int length = b.getInt();
                if (length < 0 || length > MAX_SECRET) {
                    throw new IllegalArgumentException("a BStore secret of " + length + " bytes");
                }
                byte[] secret = new byte[length];
                b.get(secret);
                members.add(new ErasureLayout.BStorePlacement(
                        node, drive, extent, new String(secret, StandardCharsets.US_ASCII)));
            }
            return new PStoreLayout(volume, index, bstoreBytes, members);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("a PStore layout cut short (" + value.length + " bytes)", e);
        }
    }

    private static void putUuid(ByteBuffer b, UUID id) {
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    private static UUID getUuid(ByteBuffer b) {
        return new UUID(b.getLong(), b.getLong());
    }

    @Override
    public String toString() {
        return "PStore " + index + " of volume " + volumeId + " (" + members.size() + " BStores of " + bstoreBytes
                + " bytes)";
    }
}
