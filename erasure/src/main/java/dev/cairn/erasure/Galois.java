package dev.cairn.erasure;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and generator 2, the
 * field ISA-L and most storage codes use. Bytes are field elements; addition is XOR.
 */
final class Galois {
    static final int POLYNOMIAL = 0x11d;

    /** {@code EXP[i]} = 2^i, doubled so that {@code EXP[log a + log b]} needs no modulo. */
    private static final byte[] EXP = new byte[510];

    private static final int[] LOG = new int[256];

    /** {@code PRODUCTS[a * 256 + b]} = a * b: the scalar kernel's table (64 KiB). */
    private static final byte[] PRODUCTS = new byte[256 * 256];

    static {
        int x = 1;
        for (int i = 0; i < 255; i++) {
            EXP[i] = (byte) x;
            EXP[i + 255] = (byte) x;
            LOG[x] = i;
            x <<= 1;
            if (x > 0xff) {
                x ^= POLYNOMIAL;
            }
        }
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                PRODUCTS[a * 256 + b] = slowMultiply(a, b);
            }
        }
    }

    private Galois() {}

    private static byte slowMultiply(int a, int b) {
        return a == 0 || b == 0 ? 0 : EXP[LOG[a] + LOG[b]];
    }

    static byte multiply(byte a, byte b) {
        return PRODUCTS[(a & 0xff) << 8 | (b & 0xff)];
    }

    /** The multiplicative inverse of a non-zero element. */
    static byte inverse(byte a) {
        if (a == 0) {
            throw new ArithmeticException("0 has no inverse in GF(2^8)");
        }
        return EXP[255 - LOG[a & 0xff]];
    }

    /** {@code products()[a << 8 | b]} = a * b; shared, never written. */
    static byte[] products() {
        return PRODUCTS;
    }

    /**
     * The split-nibble tables of {@code c}: bytes 0-15 are {@code c * n}, bytes 16-31 {@code c * (n
     * << 4)} for n = 0..15, so that {@code c * b = low[b & 15] ^ high[b >>> 4]} (the layout of
     * ISA-L's {@code ec_init_tables}).
     */
    static void nibbleTables(byte c, byte[] into, int offset) {
        for (int n = 0; n < 16; n++) {
            into[offset + n] = multiply(c, (byte) n);
            into[offset + 16 + n] = multiply(c, (byte) (n << 4));
        }
    }
}
