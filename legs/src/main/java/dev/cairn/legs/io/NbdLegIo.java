package dev.cairn.legs.io;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdProtocol;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.nbd.tls.ClientTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A leg reached over NBD: one connection to the extent's export on its storage node. */
public final class NbdLegIo implements LegIo {
    private final NbdClient client;

    private NbdLegIo(NbdClient client) {
        this.client = client;
    }

    /** A connector that gives up on a node that does not finish the handshake in {@code timeout}. */
    public static LegConnector connector(Duration timeout) {
        return connector(timeout, Optional.empty());
    }

    /**
     * As above, over TLS when {@code tls} is given (then every node must serve TLS): the node's
     * certificate must name the address it is reached at, or the pre-shared key must match.
     */
    public static LegConnector connector(Duration timeout, Optional<ClientTls> tls) {
        NbdClient.Options options = NbdClient.Options.DEFAULT.withTls(tls);
        return target -> {
            InetSocketAddress resolved = target.address().isUnresolved()
                    ? new InetSocketAddress(
                            target.address().getHostString(), target.address().getPort())
                    : target.address();
            NbdClient client = NbdClient.connect(resolved, target.exportName(), options, timeout);
            if (client.sizeBytes() < target.extentSizeBytes()) { // larger: grown ahead of its volume
                long size = client.sizeBytes();
                closeQuietly(client);
                throw new IOException(target + " is " + size + " bytes, its volume needs " + target.extentSizeBytes());
            }
            return new NbdLegIo(client);
        };
    }

    private static void closeQuietly(NbdClient client) {
        try {
            client.close();
        } catch (IOException e) {
            // already going away
        }
    }

    @Override
    public long sizeBytes() {
        return client.sizeBytes();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return client.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return client.write(offset, src, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return client.flush();
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length) {
        return client.trim(offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayTrim) {
        return client.writeZeroes(offset, length, mayTrim ? 0 : NbdProtocol.CMD_FLAG_NO_HOLE);
    }

    @Override
    public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
        return client.blockStatus(offset, length, false);
    }

    @Override
    public CompletableFuture<?> lost() {
        return client.lost();
    }

    @Override
    public void close() {
        closeQuietly(client);
    }
}
