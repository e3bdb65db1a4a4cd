package dev.cairn.dkv;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.NbdProtocol;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KV volume served by a storage node over NBD, opened under one epoch (the export name carries it
 * as the extent's generation, with the extent's key). The node judges every slot written ({@link
 * SlotRule}); this class turns what the node answers into what the DKV client acts on:
 *
 * <ul>
 *   <li>EPERM on an I/O (the node moved to a newer epoch), or a handshake refused because the epoch
 *       "is older than" the volume's: {@link DkvException.StaleEpoch}.
 *   <li>EINVAL on a write (a slot that holds another key, or bytes that are not a slot): {@link
 *       DkvException.Refused}.
 *   <li>Anything else (a node that cannot be reached, a lost connection, an I/O error, a node that
 *       is not at the epoch yet): {@link DkvException.MirrorUnavailable}.
 * </ul>
 */
public final class NbdKvVolume implements KvVolume, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdKvVolume.class);
    private final NbdClient nbd;
    private final String what;

    private NbdKvVolume(NbdClient nbd, String what) {
        this.nbd = nbd;
        this.what = what;
    }

    /** Connects to {@code export} at {@code address} within {@code timeout}; {@code what} names it in errors. */
    public static NbdKvVolume connect(SocketAddress address, String export, Duration timeout, String what)
            throws DkvException {
        try {
            NbdClient nbd = NbdClient.connect(address, export, NbdClient.Options.DEFAULT, timeout);
            if (nbd.sizeBytes() % SlotCodec.SLOT_BYTES != 0) {
                new NbdKvVolume(nbd, what).close();
                throw new DkvException.Refused(what + " is " + nbd.sizeBytes() + " bytes, not whole 4 KiB slots");
            }
            return new NbdKvVolume(nbd, what);
        } catch (HandshakeException e) {
            if (e.getMessage() != null && e.getMessage().contains("is older than")) {
                throw new DkvException.StaleEpoch(what + ": " + e.getMessage());
            }
            throw new DkvException.MirrorUnavailable(what + ": " + e.getMessage(), e);
        } catch (DkvException e) {
            throw e;
        } catch (IOException e) {
            throw new DkvException.MirrorUnavailable(what + " cannot be reached: " + e.getMessage(), e);
        }
    }

    @Override
    public long slots() {
        return nbd.sizeBytes() / SlotCodec.SLOT_BYTES;
    }

    @Override
    public CompletableFuture<ByteBuffer> read(long first, int count) {
        if (first < 0 || count < 1 || first + count > slots()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "slots " + first + "+" + count + " outside " + what + " (" + slots() + " slots)"));
        }
        return nbd.read(first * SlotCodec.SLOT_BYTES, count * SlotCodec.SLOT_BYTES)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e)));
    }

    @Override
    public CompletableFuture<Void> write(long slot, ByteBuffer block, boolean durable) {
        int count = block.remaining() / SlotCodec.SLOT_BYTES;
        if (slot < 0 || count < 1 || slot + count > slots() || block.remaining() % SlotCodec.SLOT_BYTES != 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "slot " + slot + " of " + what + " with " + block.remaining() + " bytes"));
        }
        return nbd.write(slot * SlotCodec.SLOT_BYTES, block.duplicate(), durable)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e)));
    }

    /** From the export's base:allocation block status: runs it reports as zeroes are clear. */
    @Override
    public CompletableFuture<BitSet> written(long first, int count) {
        if (first < 0 || count < 1 || first + count > slots()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "slots " + first + "+" + count + " outside " + what + " (" + slots() + " slots)"));
        }
        long start = first * SlotCodec.SLOT_BYTES;
        return nbd.blockStatus(start, (long) count * SlotCodec.SLOT_BYTES, false)
                .thenApply(extents -> {
                    BitSet written = new BitSet(count);
                    long at = 0;
                    for (BlockStatus s : extents) {
                        if (!s.zero()) { // every slot the run touches, whole
                            written.set((int) Math.min(count, at / SlotCodec.SLOT_BYTES), (int) Math.min(
                                    count, (at + s.length() + SlotCodec.SLOT_BYTES - 1) / SlotCodec.SLOT_BYTES));
                        }
                        at += s.length();
                    }
                    // Past what the answer covered: not known, so set.
                    written.set((int) Math.min(count, at / SlotCodec.SLOT_BYTES), count);
                    return written;
                })
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e)));
    }

    private DkvException translate(Throwable failure) {
        Throwable e = DkvClient.unwrap(failure);
        if (e instanceof NbdException n && n.errno() == NbdProtocol.EPERM) {
            return new DkvException.StaleEpoch(what + " has moved to a newer epoch: " + n.detail());
        }
        if (e instanceof NbdException n && n.errno() == NbdProtocol.EINVAL) {
            return new DkvException.Refused(what + " refused the write: " + n.detail());
        }
        return new DkvException.MirrorUnavailable(what + ": " + e.getMessage(), e);
    }

    /** Whether the connection has been lost (a new one is needed). */
    public boolean lost() {
        return nbd.lost().isDone();
    }

    @Override
    public void close() {
        try {
            nbd.close();
        } catch (IOException e) {
            log.debug("closing {}: {}", what, e.toString());
        }
    }
}
