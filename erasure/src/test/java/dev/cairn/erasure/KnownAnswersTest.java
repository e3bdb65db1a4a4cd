package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cairn.erasure.isal.IsaL;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answers ISA-L gave, committed ({@code isal-known-answers.txt}), so that Cairn's codec is held to
 * them where ISA-L is not installed. Each line: k, m, length, seed, and the SHA-256 of the m parity
 * shards one after the other, for the data {@link Shards#random} makes from the seed. {@link
 * #main} wrote the file on a machine with libisal2.
 */
class KnownAnswersTest {
    static final int[][] CODES = {{1, 1}, {2, 1}, {4, 2}, {6, 3}, {8, 3}, {10, 4}, {17, 3}, {20, 4}, {32, 8}, {100, 20}
    };
    static final int[] LENGTHS = {1, 16, 31, 100, 4096, 65_535};

    record Answer(int k, int m, int length, long seed, String sha256) {
        static Answer parse(String line) {
            String[] f = line.trim().split("\\s+", -1);
            return new Answer(
                    Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]), f[4]);
        }

        ByteBuffer[] data() {
            return Shards.random(k, length, 0, false, seed);
        }

        @Override
        public String toString() {
            return k + " " + m + " " + length + " " + seed + " " + sha256;
        }
    }

    static List<Answer> answers() throws IOException {
        try (InputStream in = KnownAnswersTest.class.getResourceAsStream("/isal-known-answers.txt")) {
            assertThat(in).as("isal-known-answers.txt on the test class path").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(Answer::parse)
                    .toList();
        }
    }

    static String sha256(byte[][] parity) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parity) {
                d.update(p);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String ours(Answer a, Kernel kernel) {
        ByteBuffer[] parity = Shards.empty(a.m(), a.length(), 0, false);
        ReedSolomon.of(a.k(), a.m(), kernel).encode(a.data(), parity);
        byte[][] bytes = new byte[a.m()][];
        for (int p = 0; p < a.m(); p++) {
            bytes[p] = Shards.bytes(parity[p]);
        }
        return sha256(bytes);
    }

    @Test
    void everyKernelGivesIsaLsAnswers() throws IOException {
        List<Answer> answers = answers();
        assertThat(answers).hasSize(CODES.length * LENGTHS.length);
        for (Answer a : answers) {
            for (Kernel kernel : new Kernel[] {ScalarKernel.INSTANCE, VectorKernel.INSTANCE}) {
                assertThat(ours(a, kernel)).as("%s on %s", a, kernel.name()).isEqualTo(a.sha256());
            }
        }
    }

    @Test
    void theCommittedAnswersAreIsaLsOwn() throws IOException {
        IsaL isal = IsaL.load().orElse(null);
        assumeTrue(isal != null, IsaL.LIBRARY + " is not installed (apt-get install libisal2)");
        IsaLCrossCheckTest.load();
        for (Answer a : answers()) {
            assertThat(sha256(IsaLCrossCheckTest.isalParity(a.k(), a.m(), a.data(), a.length())))
                    .as("%s", a)
                    .isEqualTo(a.sha256());
        }
    }

    /** Writes the answers file's lines from ISA-L (run with the test class path and libisal2). */
    public static void main(String[] args) {
        IsaLCrossCheckTest.load();
        System.out.println("# k m length seed sha256(parity 0..m-1), answers of ISA-L's ec_encode_data with"
                + " gf_gen_cauchy1_matrix; data: Shards.random(k, length, 0, false, seed)");
        long seed = 1;
        for (int[] km : CODES) {
            for (int length : LENGTHS) {
                Answer a = new Answer(km[0], km[1], length, seed++, "");
                String hash = sha256(IsaLCrossCheckTest.isalParity(a.k(), a.m(), a.data(), a.length()));
                System.out.println(new Answer(a.k(), a.m(), a.length(), a.seed(), hash));
            }
        }
    }
}
