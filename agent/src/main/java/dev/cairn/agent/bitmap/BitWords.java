package dev.cairn.agent.bitmap;

/** Bits in an array of words, 64 regions to a word (bit {@code r % 64} of word {@code r / 64}). */
final class BitWords {
    private BitWords() {}

    static boolean isSet(long[] words, long r) {
        return (words[(int) (r >>> 6)] & (1L << r)) != 0;
    }

    /** The first set bit at {@code from} or after, below {@code limit}; -1 if none. */
    static long nextSet(long[] words, long from, long limit) {
        if (from >= limit) {
            return -1;
        }
        int w = (int) (from >>> 6);
        long word = words[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return w * 64L + Long.numberOfTrailingZeros(word);
            }
            if (++w == words.length) {
                return -1;
            }
            word = words[w];
        }
    }

    static long count(long[] words) {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }
}
