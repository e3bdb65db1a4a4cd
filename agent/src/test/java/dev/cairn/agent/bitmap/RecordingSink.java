package dev.cairn.agent.bitmap;

import dev.cairn.legs.header.BitmapFormat;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/** Keeps the last page written for each page index: what a leg would hold on disk. */
final class RecordingSink implements WriteIntentBitmap.PageSink {
    final Map<Integer, ByteBuffer> pages = new HashMap<>();
    int writes;

    @Override
    public synchronized void write(int page, ByteBuffer bytes) {
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining());
        copy.put(bytes.duplicate()).flip();
        pages.put(page, copy);
        writes++;
    }

    /** The bits on "disk" (page 0 only: the tests stay below 32768 regions). */
    synchronized BitSet onDisk(long regions) {
        ByteBuffer p = pages.get(0);
        return p == null ? new BitSet() : BitmapFormat.decode(regions, p);
    }
}
