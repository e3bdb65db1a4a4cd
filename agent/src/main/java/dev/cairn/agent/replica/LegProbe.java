package dev.cairn.agent.replica;

import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.io.LegTarget;
import dev.cairn.legs.sync.ResyncPlan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reads what a leg holds in front of the data (header and bitmap), for {@link ResyncPlan}. */
final class LegProbe {
    private LegProbe() {}

    /** The header and, when the header is valid, the bitmap of the leg open on {@code io}. */
    static ResyncPlan.Found read(VolumeSpec spec, LegTarget target, LegIo io, Duration timeout) throws IOException {
        int pages = BitmapFormat.pagesFor(spec.regions());
        ByteBuffer block = ByteBuffer.allocate(LegHeader.BYTES + pages * BitmapFormat.PAGE_BYTES);
        try {
            io.read(0, block).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading " + target);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot read the header of " + target + ": " + LegSet.describe(e), e);
        }
        LegHeader.Read header = LegHeader.decode(block.slice(0, LegHeader.BYTES));
        BitSet bits = header instanceof LegHeader.Valid
                ? BitmapFormat.decode(spec.regions(), block.slice(LegHeader.BYTES, pages * BitmapFormat.PAGE_BYTES))
                : new BitSet();
        return new ResyncPlan.Found(target.extentId(), header, bits);
    }
}
