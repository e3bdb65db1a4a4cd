package dev.cairn.nbd.client;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.internal.WireReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The client's reader thread: parses simple and structured replies, finds the request by handle,
 * fills read buffers from data and hole chunks, and completes it on the final chunk. A reply the
 * client cannot make sense of ends the connection: every request in flight fails.
 */
final class ReplyReader implements Runnable {
    private static final int MAX_CHUNK_BYTES = (32 << 20) + 64;

    private final WireReader in;
    private final LongFunction<Pending> take;
    private final Consumer<IOException> failAll;
    private final boolean structured;
    /** A structured reply may span several chunks: the request stays here until its last one. */
    private final Map<Long, Pending> open = new HashMap<>();

    ReplyReader(
            ReadableByteChannel channel,
            LongFunction<Pending> take,
            Consumer<IOException> failAll,
            boolean structured) {
        this.in = new WireReader(channel, 256 * 1024);
        this.take = take;
        this.failAll = failAll;
        this.structured = structured;
    }

    @Override
    public void run() {
        try {
            while (true) {
                int magic = in.readInt();
                if (magic == SIMPLE_REPLY_MAGIC) {
                    simple();
                } else if (magic == STRUCTURED_REPLY_MAGIC && structured) {
                    chunk();
                } else {
                    throw new IOException("server sent an unknown reply magic 0x" + Integer.toHexString(magic));
                }
            }
        } catch (IOException e) {
            failAll.accept(e);
        }
    }

    private Pending find(long handle) throws IOException {
        Pending p = open.get(handle);
        if (p == null) {
            p = take.apply(handle);
        }
        if (p == null) {
            throw new IOException("server replied to unknown handle " + handle);
        }
        return p;
    }

    private void simple() throws IOException {
        int error = in.readInt();
        Pending p = find(in.readLong());
        if (error != 0) {
            p.onError(new NbdException(error, "the server answered with an error (simple replies carry no message)"));
        } else if (p.type() == CMD_READ) {
            in.readFully(p.data().clear());
        }
        p.complete();
    }

    private void chunk() throws IOException {
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long handle = in.readLong();
        long length = Integer.toUnsignedLong(in.readInt());
        if (length > MAX_CHUNK_BYTES) {
            throw new IOException("server sent a chunk of " + length + " bytes");
        }
        Pending p = find(handle);
        open.put(handle, p);
        p.onChunk();
        switch (type) {
            case REPLY_TYPE_NONE -> expect(length == 0, "NONE chunk with a payload");
            case REPLY_TYPE_OFFSET_DATA -> {
                long offset = in.readLong();
                int n = (int) (length - 8);
                ByteBuffer dst = region(p, offset, n);
                in.readFully(dst);
            }
            case REPLY_TYPE_OFFSET_HOLE -> {
                long offset = in.readLong();
                int n = in.readInt();
                ByteBuffer dst = region(p, offset, n);
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
            }
            case REPLY_TYPE_BLOCK_STATUS -> {
                expect(length >= 12 && (length - 4) % 8 == 0, "malformed BLOCK_STATUS chunk");
                in.readInt();
                List<BlockStatus> list = new ArrayList<>();
                for (long i = 0; i < (length - 4) / 8; i++) {
                    list.add(new BlockStatus(Integer.toUnsignedLong(in.readInt()), in.readInt()));
                }
                p.onStatus(list);
            }
            default -> {
                expect((type & 0x8000) != 0 && length >= 6, "unknown chunk type " + type);
                int errno = in.readInt();
                int messageLength = in.readUnsignedShort();
                expect(messageLength <= length - 6, "error message longer than its chunk");
                String message = new String(in.readBytes(messageLength), StandardCharsets.UTF_8);
                in.skip(length - 6 - messageLength);
                p.onError(new NbdException(errno == 0 ? EIO : errno, message));
            }
        }
        if ((flags & REPLY_FLAG_DONE) != 0) {
            open.remove(handle);
            p.complete();
        }
    }

    private static ByteBuffer region(Pending p, long offset, int n) throws IOException {
        ByteBuffer data = p.data();
        expect(data != null, "data chunk for a request that is not a READ");
        long at = offset - p.offset();
        expect(at >= 0 && n >= 0 && at + n <= data.capacity(), "data chunk outside the requested range");
        return data.duplicate().clear().position((int) at).limit((int) at + n);
    }

    private static void expect(boolean condition, String problem) throws IOException {
        if (!condition) {
            throw new IOException("protocol error from server: " + problem);
        }
    }
}
