package dev.cairn.erasure;

import java.util.Locale;

/**
 * Which kernel this JVM uses, chosen once: the vector kernel where the Vector API is there (the
 * module {@code jdk.incubator.vector}, which {@code bin/cairn} and the build add) with vectors of
 * at least 128 bits, else the scalar one. {@value #KERNEL} ({@code vector}, {@code scalar}) forces
 * one; {@value #VECTOR_BITS} (128, 256, 512) sets the vector width, for benchmarks.
 */
public final class Kernels {
    /** System property: {@code vector} or {@code scalar}; unset: the best there is. */
    public static final String KERNEL = "cairn.erasure.kernel";

    /** System property: the vector width in bits; unset: see {@link #vectorBits()}. */
    public static final String VECTOR_BITS = "cairn.erasure.vector-bits";

    /** A kernel to ask for by name, for benchmarks and tests ({@link ReedSolomon#of(int, int, Kind)}). */
    public enum Kind {
        VECTOR,
        SCALAR;

        Kernel kernel() {
            if (this == SCALAR) {
                return ScalarKernel.INSTANCE;
            }
            if (!ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
                throw new IllegalStateException(
                        "the vector kernel needs the module jdk.incubator.vector, which this JVM"
                                + " was started without (--add-modules jdk.incubator.vector)");
            }
            // Checked before the kernel's class is loaded: its width is fixed when it is.
            int bits = vectorBits();
            if (bits > VectorProbe.widestBits()) {
                throw new IllegalStateException(VECTOR_BITS + " is " + bits + ", but this machine's vectors have "
                        + VectorProbe.widestBits() + " bits (wider ones would be emulated, slower than scalar)");
            }
            return VectorKernel.INSTANCE;
        }
    }

    private Kernels() {}

    /** Whether this JVM has the Vector API with vectors of 128 bits or more. */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && VectorProbe.widestBits() >= 128;
    }

    /** The name of the kernel {@link ReedSolomon} uses in this JVM ("vector-128", "scalar"). */
    public static String chosenName() {
        return chosen().name();
    }

    static Kernel chosen() {
        return Chosen.KERNEL;
    }

    /** Holder: the choice is made on first use, once. */
    private static final class Chosen {
        static final Kernel KERNEL = choose(System.getProperty(Kernels.KERNEL, ""));
    }

    /** The kernel for the value {@code property} of {@value #KERNEL}. */
    static Kernel choose(String property) {
        String asked = property.trim().toLowerCase(Locale.ROOT);
        return switch (asked) {
            case "" -> vectorAvailable() ? Kind.VECTOR.kernel() : ScalarKernel.INSTANCE;
            case "scalar" -> ScalarKernel.INSTANCE;
            case "vector" -> Kind.VECTOR.kernel();
            default ->
                throw new IllegalStateException(
                        KERNEL + " is \"" + asked + "\": it takes vector or scalar (or unset, for the best there is)");
        };
    }

    /**
     * The vector width: {@value #VECTOR_BITS} if set, else 128 bits. 128 is the width at which a
     * byte shuffle is one instruction on every x86 with AVX2 and on ARM; wider byte shuffles cross
     * 128-bit lanes, which AVX2 does in several (see the README's codec figures).
     */
    static int vectorBits() {
        return vectorBits(System.getProperty(VECTOR_BITS, ""));
    }

    /** The width for the value {@code property} of {@value #VECTOR_BITS}. */
    static int vectorBits(String property) {
        String asked = property.trim();
        if (asked.isEmpty()) {
            return 128;
        }
        int bits;
        try {
            bits = Integer.parseInt(asked);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(VECTOR_BITS + " is \"" + asked + "\", not 128, 256 or 512", e);
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalStateException(VECTOR_BITS + " is " + bits + ", not 128, 256 or 512");
        }
        return bits;
    }
}
