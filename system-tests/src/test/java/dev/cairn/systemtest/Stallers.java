package dev.cairn.systemtest;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.testkit.NbdFuzzSessions;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * NBD clients that stall on purpose against one export, each on a virtual thread: in the
 * handshake, in a request header, in a 32 MiB write payload after one byte, or after sending READs
 * of 32 MiB whose replies they never read. A staller the server cuts connects again and repeats
 * its stall, as an attacker would, until {@link #close} (one that does not read cannot tell it was
 * cut: it holds its connection to the end). Over TCP (a node) or a Unix socket (an agent).
 */
final class Stallers implements AutoCloseable {
    private static final int MAX_PAYLOAD = 32 << 20;

    /** Where a staller stops. */
    enum Phase {
        HANDSHAKE,
        HEADER,
        PAYLOAD,
        UNREAD_REPLIES
    }

    private final SocketAddress address;
    private final String export;
    private final long exportBytes;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    /** Hangs up the stallers that hold their stall for a while only. */
    private final ScheduledExecutorService hangUps = Executors.newSingleThreadScheduledExecutor();

    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger stalled = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;

    Stallers(SocketAddress address, String export, long exportBytes) {
        this.address = address;
        this.export = export;
        this.exportBytes = exportBytes;
    }

    /** Starts {@code count} stallers in {@code phase}; returns once each has reached its stall. */
    void start(Phase phase, int count) throws InterruptedException {
        start(phase, count, Duration.ZERO);
    }

    /**
     * As {@link #start(Phase, int)}, but each staller hangs up after {@code hold} (zero: never) and
     * comes back at once to stall again: an attacker that repeats its stall before any deadline.
     */
    void start(Phase phase, int count, Duration hold) throws InterruptedException {
        CountDownLatch inPlace = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            long offset = (long) MAX_PAYLOAD * (i % Math.max(1, exportBytes / MAX_PAYLOAD));
            threads.execute(() -> stallAgainAndAgain(phase, offset, hold, inPlace));
        }
        if (!inPlace.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(inPlace.getCount() + " stallers in " + phase + " never got in place");
        }
    }

    /** Connections stalled right now. */
    int stalled() {
        return stalled.get();
    }

    /** How often a staller was cut and came back. */
    int reconnects() {
        return reconnects.get();
    }

    private void stallAgainAndAgain(Phase phase, long offset, Duration hold, CountDownLatch inPlace) {
        boolean first = true;
        while (!closed) {
            try (SocketChannel s = address instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open()) {
                s.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
                s.connect(address);
                sockets.add(s);
                stall(s, phase, offset);
                stalled.incrementAndGet();
                if (first) {
                    inPlace.countDown();
                    first = false;
                }
                try {
                    awaitCut(s, phase, hold);
                } finally {
                    stalled.decrementAndGet();
                    sockets.remove(s);
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
            reconnects.incrementAndGet();
        }
    }

    private void stall(SocketChannel s, Phase phase, long offset) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(s));
        OutputStream out = Channels.newOutputStream(s);
        in.readFully(new byte[18]); // the greeting
        if (phase == Phase.HANDSHAKE) {
            return; // and never answer it
        }
        out.write(NbdFuzzSessions.clientFlags());
        out.write(NbdFuzzSessions.option(OPT_STRUCTURED_REPLY, new byte[0]));
        out.write(NbdFuzzSessions.go(export));
        while (true) { // option replies until GO's ACK
            byte[] header = new byte[20];
            in.readFully(header);
            ByteBuffer h = ByteBuffer.wrap(header);
            int type = h.getInt(12);
            in.readFully(new byte[h.getInt(16)]);
            if (type == REP_ACK && h.getInt(8) == OPT_GO) {
                break;
            }
            if (type != REP_ACK && type != REP_INFO) {
                throw new IOException("GO refused: reply type " + type);
            }
        }
        switch (phase) {
            case HEADER -> out.write(request(CMD_WRITE, offset), 0, 11);
            case PAYLOAD -> {
                out.write(request(CMD_WRITE, offset));
                out.write(0x5a);
            }
            case UNREAD_REPLIES -> {
                for (int i = 0; i < 4; i++) {
                    out.write(request(CMD_READ, offset));
                }
            }
            case HANDSHAKE -> throw new IllegalStateException();
        }
        out.flush();
    }

    /**
     * Blocks until the server cuts the connection, {@code hold} passes (if not zero) or the
     * stallers are closed.
     */
    private void awaitCut(SocketChannel s, Phase phase, Duration hold) throws IOException {
        if (phase == Phase.UNREAD_REPLIES) {
            // reading would take the replies (and tell a cut): hold the connection until the end
            try {
                if (hold.isZero()) {
                    stopped.await();
                } else {
                    stopped.await(hold.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        ScheduledFuture<?> hangUp = hold.isZero()
                ? null
                : hangUps.schedule(
                        () -> {
                            s.close();
                            return null;
                        },
                        hold.toMillis(),
                        TimeUnit.MILLISECONDS);
        try {
            ByteBuffer one = ByteBuffer.allocate(1);
            while (s.read(one.clear()) >= 0) {
                // the server sends nothing more in these phases: only EOF (a cut) ends this
            }
        } catch (AsynchronousCloseException e) {
            if (closed || hangUp == null) {
                throw e;
            }
            // held long enough: hung up, to stall again
        } finally {
            if (hangUp != null) {
                hangUp.cancel(false);
            }
        }
    }

    private static byte[] request(int type, long offset) {
        return ByteBuffer.allocate(28)
                .putInt(REQUEST_MAGIC)
                .putShort((short) 0)
                .putShort((short) type)
                .putLong(offset)
                .putLong(offset)
                .putInt(MAX_PAYLOAD)
                .array();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        stopped.countDown();
        for (SocketChannel s : sockets) {
            s.close();
        }
        threads.shutdownNow();
        hangUps.shutdownNow();
    }
}
