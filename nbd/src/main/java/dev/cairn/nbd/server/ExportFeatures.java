package dev.cairn.nbd.server;

/**
 * What an export supports and the block-size constraints it advertises.
 *
 * @param multiConn true only if a flush on one connection makes writes from every connection to
 *     this export durable (a shared cache), so clients may spread I/O over several connections
 * @param fastZero true if write-zeroes is cheaper than writing zeroes (a hole punch or an unmap)
 */
public record ExportFeatures(
        boolean readOnly,
        boolean multiConn,
        boolean fastZero,
        int minimumBlockBytes,
        int preferredBlockBytes,
        int maximumBlockBytes) {

    /** Largest READ or WRITE payload the server accepts: 32 MiB, the protocol's interoperable limit. */
    public static final int MAX_PAYLOAD_BYTES = 32 << 20;

    public ExportFeatures {
        if (Integer.bitCount(minimumBlockBytes) != 1 || minimumBlockBytes > 65536) {
            throw new IllegalArgumentException("minimum block size must be a power of 2 up to 64 KiB");
        }
        if (Integer.bitCount(preferredBlockBytes) != 1 || preferredBlockBytes < Math.max(512, minimumBlockBytes)) {
            throw new IllegalArgumentException("preferred block size must be a power of 2 of at least 512");
        }
        if (maximumBlockBytes % minimumBlockBytes != 0 || maximumBlockBytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("maximum block size must be a multiple of the minimum, up to 32 MiB");
        }
    }

    /** A writable export with byte-granular access, 4 KiB preferred and 32 MiB maximum requests. */
    public static ExportFeatures writable(boolean multiConn, boolean fastZero) {
        return new ExportFeatures(false, multiConn, fastZero, 1, 4096, MAX_PAYLOAD_BYTES);
    }
}
