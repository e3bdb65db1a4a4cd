package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GaloisTest {

    /** Multiplication the long way: shift and add, reducing by 0x11d. */
    private static int carryless(int a, int b) {
        int product = 0;
        for (int i = 0; i < 8; i++) {
            if ((b >> i & 1) != 0) {
                product ^= a << i;
            }
        }
        for (int bit = 15; bit >= 8; bit--) {
            if ((product >> bit & 1) != 0) {
                product ^= Galois.POLYNOMIAL << (bit - 8);
            }
        }
        return product;
    }

    @Test
    void everyProductIsThePolynomialProductReducedBy0x11d() {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                assertThat(Galois.multiply((byte) a, (byte) b) & 0xff)
                        .as("%d * %d", a, b)
                        .isEqualTo(carryless(a, b));
            }
        }
        assertThat(Galois.multiply((byte) 2, (byte) 0x80) & 0xff).isEqualTo(0x1d);
    }

    @Test
    void everyNonZeroElementHasAnInverseAndZeroHasNone() {
        for (int a = 1; a < 256; a++) {
            assertThat(Galois.multiply((byte) a, Galois.inverse((byte) a)))
                    .as("%d", a)
                    .isEqualTo((byte) 1);
        }
        assertThatThrownBy(() -> Galois.inverse((byte) 0)).hasMessageContaining("0 has no inverse");
    }

    @Test
    void nibbleTablesSplitEveryProduct() {
        byte[] tables = new byte[32];
        for (int c = 0; c < 256; c++) {
            Galois.nibbleTables((byte) c, tables, 0);
            for (int b = 0; b < 256; b++) {
                assertThat((byte) (tables[b & 15] ^ tables[16 + (b >>> 4)]))
                        .isEqualTo(Galois.multiply((byte) c, (byte) b));
            }
        }
    }
}
