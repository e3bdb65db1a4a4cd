package dev.cairn.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelsTest {

    @Test
    void theVectorKernelIsChosenWhereTheVectorApiIsAndEitherCanBeAskedFor() {
        assertThat(Kernels.vectorAvailable()).isTrue();
        assertThat(Kernels.choose("")).isSameAs(VectorKernel.INSTANCE);
        assertThat(Kernels.choose(" Scalar ")).isSameAs(ScalarKernel.INSTANCE);
        assertThat(Kernels.choose("vector")).isSameAs(VectorKernel.INSTANCE);
        assertThat(ReedSolomon.of(4, 2).kernelName())
                .isEqualTo(Kernels.chosenName())
                .startsWith("vector-");
        assertThat(ReedSolomon.of(4, 2, Kernels.Kind.SCALAR).kernelName()).isEqualTo("scalar");
    }

    @Test
    void aWrongSettingSaysWhatItTakes() {
        assertThatThrownBy(() -> Kernels.choose("avx"))
                .hasMessage(
                        "cairn.erasure.kernel is \"avx\": it takes vector or scalar (or unset, for the best there is)");
        assertThatThrownBy(() -> Kernels.vectorBits("64"))
                .hasMessage("cairn.erasure.vector-bits is 64, not 128, 256 or 512");
        assertThatThrownBy(() -> Kernels.vectorBits("wide"))
                .hasMessage("cairn.erasure.vector-bits is \"wide\", not 128, 256 or 512");
        assertThat(Kernels.vectorBits("")).isEqualTo(128);
        String before = System.getProperty(Kernels.VECTOR_BITS);
        System.setProperty(Kernels.VECTOR_BITS, "4096");
        try {
            assertThatThrownBy(() -> Kernels.choose("vector"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cairn.erasure.vector-bits is 4096, not 128, 256 or 512");
            if (VectorProbe.widestBits() < 512) { // a width the machine lacks is refused, not emulated
                System.setProperty(Kernels.VECTOR_BITS, "512");
                assertThatThrownBy(() -> Kernels.choose("vector"))
                        .hasMessageStartingWith("cairn.erasure.vector-bits is 512, but this machine's vectors have");
            }
        } finally {
            if (before == null) {
                System.clearProperty(Kernels.VECTOR_BITS);
            } else {
                System.setProperty(Kernels.VECTOR_BITS, before);
            }
        }
        assertThat(Kernels.vectorBits(" 256 ")).isEqualTo(256);
    }
}
