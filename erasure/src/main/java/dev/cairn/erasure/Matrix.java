package dev.cairn.erasure;

import java.util.Arrays;

/** Small matrices over GF(2^8), rows of bytes: the code's generator and its inverses. */
final class Matrix {
    private Matrix() {}

    /**
     * The {@code (k + m) x k} encoding matrix of ISA-L's {@code gf_gen_cauchy1_matrix}: the identity
     * on top (the data shards are themselves), then row {@code i} column {@code j} is {@code 1 / (i
     * xor j)} for {@code i} in k..k+m-1. Any k of its rows are independent.
     */
    static byte[][] cauchy(int k, int m) {
        byte[][] rows = new byte[k + m][k];
        for (int i = 0; i < k; i++) {
            rows[i][i] = 1;
        }
        for (int i = k; i < k + m; i++) {
            for (int j = 0; j < k; j++) {
                rows[i][j] = Galois.inverse((byte) (i ^ j));
            }
        }
        return rows;
    }

    /** The inverse of the square matrix {@code a} (left untouched), by Gauss-Jordan elimination. */
    static byte[][] invert(byte[][] a) {
        int n = a.length;
        byte[][] work = new byte[n][];
        byte[][] inverse = new byte[n][n];
        for (int i = 0; i < n; i++) {
            work[i] = Arrays.copyOf(a[i], n);
            inverse[i][i] = 1;
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            while (pivot < n && work[pivot][col] == 0) {
                pivot++;
            }
            if (pivot == n) {
                throw new ArithmeticException("singular matrix: column " + col + " has no pivot");
            }
            swap(work, col, pivot);
            swap(inverse, col, pivot);
            byte scale = Galois.inverse(work[col][col]);
            scaleRow(work[col], scale);
            scaleRow(inverse[col], scale);
            for (int row = 0; row < n; row++) {
                byte factor = work[row][col];
                if (row != col && factor != 0) {
                    addScaled(work[row], work[col], factor);
                    addScaled(inverse[row], inverse[col], factor);
                }
            }
        }
        return inverse;
    }

    /** {@code row * b}: a row vector times a matrix of {@code row.length} rows. */
    static byte[] times(byte[] row, byte[][] b) {
        byte[] out = new byte[b[0].length];
        for (int i = 0; i < row.length; i++) {
            if (row[i] != 0) {
                addScaled(out, b[i], row[i]);
            }
        }
        return out;
    }

    private static void swap(byte[][] rows, int i, int j) {
        byte[] t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
    }

    private static void scaleRow(byte[] row, byte c) {
        for (int i = 0; i < row.length; i++) {
            row[i] = Galois.multiply(row[i], c);
        }
    }

    /** {@code into += c * row}. */
    private static void addScaled(byte[] into, byte[] row, byte c) {
        for (int i = 0; i < into.length; i++) {
            into[i] ^= Galois.multiply(row[i], c);
        }
    }
}
