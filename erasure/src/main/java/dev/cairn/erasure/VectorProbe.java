package dev.cairn.erasure;

import jdk.incubator.vector.ByteVector;

/**
 * What the Vector API offers on this machine, asked without loading the vector kernel (whose
 * width is fixed when its class is loaded). Loaded only where the module is present.
 */
final class VectorProbe {
    private VectorProbe() {}

    /** The widest byte vector this JVM has, in bits. */
    static int widestBits() {
        return ByteVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
