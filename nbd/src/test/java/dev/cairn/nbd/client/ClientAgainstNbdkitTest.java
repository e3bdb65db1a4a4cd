package dev.cairn.nbd.client;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.testkit.Nbdkit;
import dev.cairn.testkit.Patterns;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Our client against a server we did not write: nbdkit's memory plugin. */
class ClientAgainstNbdkitTest {
    Nbdkit nbdkit;
    InetSocketAddress address;

    @BeforeEach
    void startNbdkit() throws IOException {
        nbdkit = Nbdkit.start(List.of(), "memory", "64M");
        address = nbdkit.address();
    }

    @AfterEach
    void stopNbdkit() {
        nbdkit.close();
    }

    static ByteBuffer pattern(int length, long seed) {
        return Patterns.random(length, seed);
    }

    @Test
    void negotiatesAndMovesDataWithStructuredReplies() throws Exception {
        assertThat(NbdClient.info(address, "").sizeBytes()).isEqualTo(64 << 20);
        try (NbdClient c = NbdClient.connect(address, "")) {
            assertThat(c.structuredReplies()).isTrue();
            assertThat(c.info().has(FLAG_SEND_FLUSH)).isTrue();
            List<CompletableFuture<Void>> writes = List.of(
                    c.write(0, pattern(65536, 1), false),
                    c.write(1 << 20, pattern(4096, 2), true),
                    c.write(2 << 20, pattern(1 << 20, 3), false));
            writes.forEach(CompletableFuture::join);
            c.flush().join();
            assertThat(c.read(0, 65536).join()).isEqualTo(pattern(65536, 1));
            assertThat(c.read(1 << 20, 4096).join()).isEqualTo(pattern(4096, 2));
            assertThat(c.read(2 << 20, 1 << 20).join()).isEqualTo(pattern(1 << 20, 3));
            c.trim(0, 65536).join();
            c.writeZeroes(1 << 20, 4096, CMD_FLAG_NO_HOLE).join();
            assertThat(c.read(1 << 20, 4096).join()).isEqualTo(ByteBuffer.allocate(4096));
            List<BlockStatus> status = c.blockStatus(0, 4 << 20, false).join();
            assertThat(status).isNotEmpty();
            assertThat(status.stream().mapToLong(BlockStatus::length).sum()).isPositive();
        }
    }

    @Test
    void readsHoleChunksAsZeroesAndWorksWithSimpleReplies() throws Exception {
        try (NbdClient c = NbdClient.connect(address, "", NbdClient.Options.SIMPLE)) {
            assertThat(c.structuredReplies()).isFalse();
            c.write(8192, pattern(4096, 4), false).join();
            assertThat(c.read(0, 16384).join().slice(8192, 4096)).isEqualTo(pattern(4096, 4));
        }
        try (NbdClient c = NbdClient.connect(address, "")) {
            assertThat(c.read(32 << 20, 1 << 20).join()).isEqualTo(ByteBuffer.allocate(1 << 20));
        }
    }

    @Test
    void serverErrorsBecomeNbdExceptions() throws Exception {
        try (NbdClient c = NbdClient.connect(address, "")) {
            assertThatThrownBy(() -> c.read((64 << 20) - 512, 1024).join()).hasCauseInstanceOf(NbdException.class);
            c.read(0, 512).join();
        }
    }
}
