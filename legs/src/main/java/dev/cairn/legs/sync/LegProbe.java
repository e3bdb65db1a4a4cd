package dev.cairn.legs.sync;

import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.UUID;

/** Reads what a leg holds in front of the data (header and bitmap), for {@link ResyncPlan}. */
public final class LegProbe {
    private LegProbe() {}

    /**
     * The header and, when the header is valid, the bitmap of leg {@code legId} open on {@code
     * io}; {@code what} names the leg in errors.
     */
    public static ResyncPlan.Found read(ResyncPlan.Geometry g, UUID legId, Object what, LegIo io, Duration timeout)
            throws IOException {
        int pages = BitmapFormat.pagesFor(g.regions());
        ByteBuffer block = ByteBuffer.allocate(LegHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
        try {
            LegIo.await(io.read(0, block), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + what);
        } catch (IOException e) {
            throw new IOException("cannot read the header of " + what + ": " + e.getMessage(), e);
        }
        LegHeader.Read header = LegHeader.decode(block.slice(0, LegHeader.BYTES));
        BitSet bits = header instanceof LegHeader.Valid
                ? BitmapFormat.decode(g.regions(), block.slice(LegHeader.BYTES, pages * BitmapFormat.PAGE_BYTES))
                : new BitSet();
        return new ResyncPlan.Found(legId, header, bits);
    }
}
