package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MatrixTest {

    private static byte[][] product(byte[][] a, byte[][] b) {
        byte[][] out = new byte[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = Matrix.times(a[i], b);
        }
        return out;
    }

    private static byte[][] identity(int n) {
        byte[][] id = new byte[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }

    @Test
    void theGeneratorIsIdentityOnTopAndCauchyBelow() {
        byte[][] g = Matrix.cauchy(4, 2);
        assertThat(java.util.Arrays.copyOf(g, 4)).isDeepEqualTo(identity(4));
        for (int i = 4; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(Galois.multiply(g[i][j], (byte) (i ^ j))).isEqualTo((byte) 1);
            }
        }
    }

    @Test
    void everyChoiceOfKRowsOfASmallGeneratorInvertsToItsInverse() {
        int k = 5;
        int m = 4;
        byte[][] g = Matrix.cauchy(k, m);
        int choices = 0;
        for (int mask = 0; mask < 1 << (k + m); mask++) {
            if (Integer.bitCount(mask) != k) {
                continue;
            }
            byte[][] rows = new byte[k][];
            for (int s = 0, n = 0; s < k + m; s++) {
                if ((mask >> s & 1) != 0) {
                    rows[n++] = g[s];
                }
            }
            byte[][] inverse = Matrix.invert(rows);
            assertThat(product(rows, inverse)).isDeepEqualTo(identity(k));
            assertThat(product(inverse, rows)).isDeepEqualTo(identity(k));
            choices++;
        }
        assertThat(choices).isEqualTo(126);
    }

    @Test
    void aSingularMatrixIsRefused() {
        byte[][] singular = {{1, 2}, {2, 4}};
        byte[][] before = {{1, 2}, {2, 4}};
        assertThatThrownBy(() -> Matrix.invert(singular)).hasMessageContaining("singular");
        assertThat(singular).isDeepEqualTo(before);
    }
}
