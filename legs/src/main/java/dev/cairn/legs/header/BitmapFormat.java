package dev.cairn.legs.header;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * The write-intent bitmap on a leg: {@value #PAGE_BYTES}-byte pages right after the superblock,
 * bit {@code r} (region {@code r}) being bit {@code r % 8} of byte {@code r / 8}.
 */
public final class BitmapFormat {
    public static final int PAGE_BYTES = 4096;

    private BitmapFormat() {}

    /** Bitmap pages a volume of {@code regions} regions needs on each leg. */
    public static int pagesFor(long regions) {
        return (int) ((regions + PAGE_BYTES * 8L - 1) / (PAGE_BYTES * 8L));
    }

    /** Page {@code p} of the bitmap held in {@code words} (64 regions per word). */
    public static ByteBuffer page(long[] words, int p) {
        ByteBuffer b = ByteBuffer.allocate(PAGE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int firstWord = p * (PAGE_BYTES / 8);
        for (int w = firstWord; w < Math.min(words.length, firstWord + PAGE_BYTES / 8); w++) {
            b.putLong(words[w]);
        }
        return b.clear();
    }

    /** Decodes a leg's pages (for {@link WriteIntentBitmap#load}); bits past the last region are dropped. */
    public static BitSet decode(long regions, ByteBuffer pages) {
        long[] words = new long[(int) ((regions + 63) / 64)];
        ByteBuffer in = pages.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < words.length && in.remaining() >= 8; i++) {
            words[i] = in.getLong();
        }
        BitSet set = BitSet.valueOf(words);
        if (set.length() > regions) {
            set.clear((int) regions, set.length());
        }
        return set;
    }
}
