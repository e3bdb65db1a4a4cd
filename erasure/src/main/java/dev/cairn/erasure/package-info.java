/**
 * Cairn's erasure codec: Reed-Solomon over GF(2^8), in pure Java. It knows nothing of storage (as
 * {@code nbd/} knows nothing of drives): {@link dev.cairn.erasure.ReedSolomon} takes shards as
 * byte buffers and gives parity, rebuilt shards, or whether parity is right.
 *
 * <p><b>The code.</b> The field has the polynomial 0x11d and the generator 2. The generator matrix
 * is ISA-L's {@code gf_gen_cauchy1_matrix}: the identity over k rows (data shards are stored as
 * they are), then {@code 1 / (i xor j)} for parity row i and data column j. Any k of its rows are
 * independent, so any k shards give back the rest: the k x k matrix of the present shards' rows is
 * inverted (Gauss-Jordan), its rows give missing data, and a parity row times it gives missing
 * parity. Inverses are kept per erasure pattern (the shards read and the shards rebuilt), up to
 * 4096 patterns. Parity is byte for byte what ISA-L's {@code ec_encode_data} computes: the tests
 * compare it with libisal2 itself, and with answers committed from it.
 *
 * <p><b>Kernels.</b> Encoding and rebuilding are both {@code out[r] = sum of rows[r][j] * in[j]};
 * a {@code Kernel} prepares a matrix once and applies it. The vector kernel looks products up in
 * split-nibble tables with byte shuffles of the Vector API (see {@code VectorKernel} for its
 * blocks and passes); the scalar one in a 64 KiB product table. The vector kernel is used where the
 * JVM has the module {@code jdk.incubator.vector} (the build and {@code bin/cairn} add it), at 128
 * bits unless {@code -Dcairn.erasure.vector-bits} says otherwise; {@code -Dcairn.erasure.kernel=scalar}
 * forces the other. The choice is made once per JVM: one vector width per JVM keeps the JIT's call
 * sites monomorphic.
 *
 * <p><b>Threads and failures.</b> A {@code ReedSolomon} is immutable but for its cache of
 * inverses (a concurrent map) and may be shared by any number of threads; a call works on the
 * calling thread and allocates a few small buffers. Every argument is checked before a byte is
 * written: wrong counts, null or read-only buffers, shards of different lengths, outputs too small,
 * a shard named twice, more shards missing than parity tolerates. Each gets an {@link
 * java.lang.IllegalArgumentException} that says which shard and what was wrong. Outputs must not
 * overlap inputs (not checked: a caller's bug, not a peer's).
 */
package dev.cairn.erasure;
