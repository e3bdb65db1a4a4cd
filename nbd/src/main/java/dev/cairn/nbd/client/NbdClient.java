package dev.cairn.nbd.client;

import static dev.cairn.nbd.NbdProtocol.*;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.tls.ClientTls;
import dev.cairn.nbd.tls.TlsChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An NBD client: fixed newstyle handshake with NBD_OPT_GO, optional structured replies and
 * base:allocation, then any number of concurrent requests, matched to their replies by handle
 * (replies may come back in any order). Used by tests and by the client agent to reach legs. It
 * connects over TCP ({@link InetSocketAddress}) or to a Unix domain socket ({@link
 * java.net.UnixDomainSocketAddress}).
 */
public final class NbdClient implements AutoCloseable {

    /**
     * Handshake choices. With {@code tls}, the client upgrades to TLS before any other option and
     * refuses a server that does not offer it.
     */
    public record Options(boolean structuredReplies, boolean baseAllocation, Optional<ClientTls> tls) {
        public static final Options DEFAULT = new Options(true, true);
        public static final Options SIMPLE = new Options(false, false);

        public Options(boolean structuredReplies, boolean baseAllocation) {
            this(structuredReplies, baseAllocation, Optional.empty());
        }

        /** These choices, over TLS with {@code credentials} (or without TLS when empty). */
        public Options withTls(Optional<ClientTls> credentials) {
            return new Options(structuredReplies, baseAllocation, credentials);
        }
    }

    private final SocketChannel channel;
    /** What requests are written to and replies read from: the socket, or the TLS channel over it. */
    private final ByteChannel io;

    private final GatheringByteChannel out;
    private final ExportInfo info;
    private final boolean structured;
    private final int metaContextId;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final AtomicLong handles = new AtomicLong(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closed;
    /** Completes, with the reason, once the connection is gone. */
    private final CompletableFuture<IOException> lost = new CompletableFuture<>();

    private <T extends ByteChannel & GatheringByteChannel> NbdClient(
            SocketChannel channel, T io, ExportInfo info, boolean structured, int metaContextId) {
        this.channel = channel;
        this.io = io;
        this.out = io;
        this.info = info;
        this.structured = structured;
        this.metaContextId = metaContextId;
        this.reader = Thread.ofVirtual()
                .name("nbd-client-" + localName(channel))
                .start(new ReplyReader(io, this::take, this::failAll, structured));
    }

    /** Connects, negotiates, and enters transmission on {@code export}. */
    public static NbdClient connect(SocketAddress address, String export, Options options) throws IOException {
        return connect(address, export, options, Duration.ZERO);
    }

    /**
     * Connects and negotiates within {@code timeout} (zero: no limit), so that a server that
     * accepts but never answers (a stopped process) cannot hold the caller forever.
     */
    public static NbdClient connect(SocketAddress address, String export, Options options, Duration timeout)
            throws IOException {
        boolean tcp = address instanceof InetSocketAddress;
        SocketChannel channel = tcp ? SocketChannel.open() : SocketChannel.open(StandardProtocolFamily.UNIX);
        AtomicBoolean negotiating = new AtomicBoolean(true);
        if (timeout.isPositive()) {
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> {
                        if (negotiating.getAndSet(false)) {
                            closeQuietly(channel);
                        }
                    });
        }
        try {
            if (tcp) {
                channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } else {
                channel.connect(address); // local: refused or accepted at once (the timer cuts a full backlog)
            }
            ClientHandshake h = new ClientHandshake(channel);
            h.greet();
            Optional<TlsChannel> secure = Optional.empty();
            if (options.tls().isPresent()) {
                h.startTls();
                secure = Optional.of(tlsOver(channel, options.tls().get(), address));
                h.upgrade(secure.get());
            }
            boolean structured = false;
            if (options.structuredReplies()) {
                h.simpleOption(OPT_STRUCTURED_REPLY);
                structured = true;
            }
            int context = structured && options.baseAllocation() ? h.selectBaseAllocation(export) : 0;
            ExportInfo info = h.infoOrGo(OPT_GO, export);
            if (!negotiating.getAndSet(false)) {
                throw new IOException("handshake with " + address + " not finished within " + timeout);
            }
            return secure.isPresent()
                    ? new NbdClient(channel, secure.get(), info, structured, context)
                    : new NbdClient(channel, channel, info, structured, context);
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (!negotiating.get() && timeout.isPositive() && !(e instanceof HandshakeException)) {
                throw new IOException("no NBD handshake with " + address + " within " + timeout, e);
            }
            throw e;
        }
    }

    /**
     * The TLS handshake on {@code channel}: an x509 server's certificate must name the host (or
     * address) it was reached at; over a local socket, {@code localhost}.
     */
    private static TlsChannel tlsOver(SocketChannel channel, ClientTls tls, SocketAddress address) throws IOException {
        return address instanceof InetSocketAddress inet
                ? TlsChannel.connect(channel, tls, inet.getHostString(), inet.getPort())
                : TlsChannel.connect(channel, tls, "localhost", 0);
    }

    private static String localName(SocketChannel channel) {
        try {
            return channel.getLocalAddress() instanceof InetSocketAddress inet
                    ? Integer.toString(inet.getPort())
                    : "local";
        } catch (IOException e) {
            return "closed";
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing to cut a handshake short: nothing more to do
        }
    }

    public static NbdClient connect(SocketAddress address, String export) throws IOException {
        return connect(address, export, Options.DEFAULT);
    }

    /** NBD_OPT_LIST: the names the server lists. */
    public static List<String> list(SocketAddress address) throws IOException {
        try (SocketChannel channel = SocketChannel.open(address)) {
            ClientHandshake h = new ClientHandshake(channel);
            h.greet();
            List<String> names = h.list();
            h.simpleOption(OPT_ABORT);
            return names;
        }
    }

    /** NBD_OPT_INFO without entering transmission. */
    public static ExportInfo info(SocketAddress address, String export) throws IOException {
        try (SocketChannel channel = SocketChannel.open(address)) {
            ClientHandshake h = new ClientHandshake(channel);
            h.greet();
            ExportInfo info = h.infoOrGo(OPT_INFO, export);
            h.simpleOption(OPT_ABORT);
            return info;
        }
    }

    public ExportInfo info() {
        return info;
    }

    public long sizeBytes() {
        return info.sizeBytes();
    }

    /**
     * Completes with the reason once the connection is gone (closed by either side, or broken),
     * after every request still pending has failed.
     */
    public CompletableFuture<IOException> lost() {
        return lost.copy();
    }

    public boolean structuredReplies() {
        return structured;
    }

    public CompletableFuture<ByteBuffer> read(long offset, int length) {
        Pending p = new Pending(CMD_READ, offset, ByteBuffer.allocate(length));
        send(p, 0, offset, length, null);
        return p.future().thenApply(v -> p.data().clear());
    }

    /**
     * Reads into {@code dst} (position to limit) without an intermediate buffer; {@code dst} must
     * not be touched until the future completes.
     */
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        Pending p = new Pending(CMD_READ, offset, dst.slice());
        send(p, 0, offset, dst.remaining(), null);
        return p.future();
    }

    public CompletableFuture<Void> write(long offset, ByteBuffer data, boolean fua) {
        return command(CMD_WRITE, fua ? CMD_FLAG_FUA : 0, offset, data.remaining(), data)
                .thenApply(p -> null);
    }

    public CompletableFuture<Void> flush() {
        return command(CMD_FLUSH, 0, 0, 0, null).thenApply(p -> null);
    }

    public CompletableFuture<Void> trim(long offset, long length) {
        return command(CMD_TRIM, 0, offset, length, null).thenApply(p -> null);
    }

    public CompletableFuture<Void> writeZeroes(long offset, long length, int flags) {
        return command(CMD_WRITE_ZEROES, flags, offset, length, null).thenApply(p -> null);
    }

    public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length, boolean reqOne) {
        if (metaContextId == 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("base:allocation was not negotiated"));
        }
        return command(CMD_BLOCK_STATUS, reqOne ? CMD_FLAG_REQ_ONE : 0, offset, length, null)
                .thenApply(Pending::status);
    }

    /** Any request, as the tests need it (unknown commands, odd flags); completes with its reply. */
    public CompletableFuture<Pending> command(int type, int flags, long offset, long length, ByteBuffer payload) {
        Pending p = new Pending(type, offset, null);
        send(p, flags, offset, length, payload);
        return p.future().thenApply(v -> p);
    }

    private void send(Pending p, int flags, long offset, long length, ByteBuffer payload) {
        long handle = handles.getAndIncrement();
        pending.put(handle, p);
        if (closed) {
            failAll(new IOException("client is closed"));
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(28)
                .putInt(REQUEST_MAGIC)
                .putShort((short) flags)
                .putShort((short) p.type())
                .putLong(handle)
                .putLong(offset)
                .putInt((int) length)
                .flip();
        sendLock.lock();
        try {
            ByteBuffer[] parts = payload == null ? new ByteBuffer[] {header} : new ByteBuffer[] {header, payload};
            while (header.hasRemaining() || (payload != null && payload.hasRemaining())) {
                out.write(parts);
            }
        } catch (IOException e) {
            failAll(e);
        } finally {
            sendLock.unlock();
        }
    }

    private Pending take(long handle) {
        return pending.remove(handle);
    }

    private void failAll(IOException cause) {
        closed = true;
        pending.keySet().forEach(h -> {
            Pending p = pending.remove(h);
            if (p != null) {
                p.future().completeExceptionally(cause);
            }
        });
        lost.complete(cause);
    }

    /** Sends NBD_CMD_DISC and closes. Requests still pending fail. */
    @Override
    @SuppressWarnings("ReferenceEquality") // is this the reader thread itself, not an equal one
    public void close() throws IOException {
        if (!closed) {
            sendLock.lock();
            try {
                out.write(ByteBuffer.allocate(28)
                        .putInt(REQUEST_MAGIC)
                        .putShort((short) 0)
                        .putShort((short) CMD_DISC)
                        .putLong(0)
                        .putLong(0)
                        .putInt(0)
                        .flip());
            } catch (IOException e) {
                // the connection is going away either way
            } finally {
                sendLock.unlock();
            }
        }
        closed = true;
        io.close(); // over TLS: close_notify, unless a write is stuck; then the socket
        channel.close();
        if (Thread.currentThread() == reader) {
            return; // closed from a callback on the reader: it ends by itself once this returns
        }
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new IOException("client closed"));
    }
}
