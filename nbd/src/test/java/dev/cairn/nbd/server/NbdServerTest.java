package dev.cairn.nbd.server;

import static dev.cairn.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.nbd.BlockStatus;
import dev.cairn.nbd.NbdException;
import dev.cairn.nbd.client.ExportInfo;
import dev.cairn.nbd.client.HandshakeException;
import dev.cairn.nbd.client.NbdClient;
import dev.cairn.testkit.Patterns;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NbdServerTest extends ServerFixture {

    static ByteBuffer pattern(int length, long seed) {
        return Patterns.random(length, seed);
    }

    static int errnoOf(CompletableFuture<?> f) {
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(NbdException.class);
        return ((NbdException) f.handle((v, e) -> e.getCause()).join()).errno();
    }

    static String messageOf(CompletableFuture<?> f) {
        return ((NbdException) f.handle((v, e) -> e.getCause()).join()).detail();
    }

    @Test
    void listsAndDescribesExports() throws Exception {
        exports.add("other", 8192);
        assertThat(NbdClient.list(address())).containsExactly("disk", "other");
        ExportInfo info = NbdClient.info(address(), "disk");
        assertThat(info.sizeBytes()).isEqualTo(1 << 20);
        assertThat(info.has(FLAG_HAS_FLAGS)).isTrue();
        assertThat(info.has(FLAG_CAN_MULTI_CONN)).isTrue();
        assertThat(info.has(FLAG_SEND_FUA)).isTrue();
        assertThat(info.has(FLAG_SEND_FAST_ZERO)).isTrue();
        assertThat(info.has(FLAG_READ_ONLY)).isFalse();
        assertThat(info.maximumBlockBytes()).isEqualTo(32 << 20);
        assertThat(info.preferredBlockBytes()).isEqualTo(4096);
        await().until(() -> exports.disks.get("disk").openSessions.get() == 0);
    }

    @Test
    void unknownAndRefusedExportsGetTheServersReason() {
        exports.add("secret", 8192, "k3y", false);
        assertThatThrownBy(() -> NbdClient.connect(address(), "nope"))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("no export named 'nope'")
                .extracting(e -> ((HandshakeException) e).replyType())
                .isEqualTo(REP_ERR_UNKNOWN);
        assertThatThrownBy(() -> NbdClient.connect(address(), "secret;key=wrong"))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("export 'secret' needs its key")
                .extracting(e -> ((HandshakeException) e).replyType())
                .isEqualTo(REP_ERR_POLICY);
    }

    @Test
    void dataRoundTripsWithStructuredAndSimpleReplies() throws Exception {
        for (NbdClient.Options options :
                new NbdClient.Options[] {NbdClient.Options.DEFAULT, NbdClient.Options.SIMPLE}) {
            try (NbdClient c = NbdClient.connect(address(), "disk", options)) {
                assertThat(c.structuredReplies()).isEqualTo(options.structuredReplies());
                c.write(12345, pattern(70000, 1), false).join();
                c.write(500_000, pattern(4096, 2), true).join();
                assertThat(c.read(12345, 70000).join()).isEqualTo(pattern(70000, 1));
                assertThat(c.read(500_000, 4096).join()).isEqualTo(pattern(4096, 2));
                assertThat(c.read(0, 0).join().capacity()).isZero();
                c.flush().join();
            }
        }
        assertThat(exports.disks.get("disk").flushes.get()).isEqualTo(2);
    }

    @Test
    void trimZeroesAndBlockStatusDescribeTheData() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            c.write(0, pattern(64 * 1024, 3), false).join();
            c.trim(0, 8192).join();
            c.writeZeroes(16384, 4096, CMD_FLAG_NO_HOLE).join();
            assertThat(c.read(0, 8192).join()).isEqualTo(ByteBuffer.allocate(8192));
            assertThat(c.blockStatus(0, 64 * 1024, false).join())
                    .containsExactly(
                            new BlockStatus(8192, STATE_HOLE | STATE_ZERO),
                            new BlockStatus(8192, 0),
                            new BlockStatus(4096, STATE_HOLE | STATE_ZERO),
                            new BlockStatus(45056, 0));
            assertThat(c.blockStatus(0, 64 * 1024, true).join())
                    .containsExactly(new BlockStatus(8192, STATE_HOLE | STATE_ZERO));
            c.writeZeroes(0, 4096, CMD_FLAG_FAST_ZERO).join();
        }
    }

    @Test
    void repliesLeaveAsRequestsCompleteNotInArrivalOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        exports.disks.get("disk").hook = (op, offset, length) -> {
            if (op.equals("read") && offset == 0) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            CompletableFuture<ByteBuffer> slow = c.read(0, 4096);
            CompletableFuture<ByteBuffer> fast = c.read(8192, 4096);
            fast.get(10, TimeUnit.SECONDS);
            assertThat(slow).isNotDone();
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSlowDurableWriteDoesNotHoldUpTheRequestsBehindIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        exports.disks.get("disk").hook = (op, offset, length) -> {
            if (op.equals("write-fua")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            CompletableFuture<Void> slow = c.write(0, pattern(4096, 1), true);
            c.write(8192, pattern(4096, 2), false).get(10, TimeUnit.SECONDS);
            assertThat(c.read(8192, 4096).get(10, TimeUnit.SECONDS)).isEqualTo(pattern(4096, 2));
            c.flush().get(10, TimeUnit.SECONDS);
            assertThat(slow).isNotDone();
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void badRequestsGetTheProtocolsErrorAndTheConnectionStaysUsable() throws Exception {
        exports.add("ro", 8192, "", true);
        try (NbdClient c = NbdClient.connect(address(), "disk");
                NbdClient ro = NbdClient.connect(address(), "ro")) {
            assertThat(errnoOf(c.read((1 << 20) - 10, 20))).isEqualTo(EINVAL);
            assertThat(messageOf(c.read((1 << 20) - 10, 20)))
                    .isEqualTo("READ of 20 bytes at 1048566 goes past the end of the export (1048576 bytes)");
            assertThat(errnoOf(c.write(1 << 20, pattern(512, 1), false))).isEqualTo(ENOSPC);
            assertThat(errnoOf(c.writeZeroes(-4096L, 4096, 0))).isEqualTo(ENOSPC);
            assertThat(errnoOf(c.read(0, (32 << 20) + 1))).isEqualTo(EINVAL);
            assertThat(errnoOf(c.command(99, 0, 0, 0, null))).isEqualTo(EINVAL);
            assertThat(errnoOf(c.command(CMD_READ, CMD_FLAG_NO_HOLE, 0, 512, null)))
                    .isEqualTo(EINVAL);
            assertThat(errnoOf(c.command(CMD_WRITE, 1 << 9, 0, 4, ByteBuffer.allocate(4))))
                    .isEqualTo(EINVAL);
            assertThat(errnoOf(c.command(CMD_FLUSH, 0, 5, 0, null))).isEqualTo(EINVAL);
            assertThat(errnoOf(c.command(CMD_BLOCK_STATUS, 0, 0, 0, null))).isEqualTo(EINVAL);
            assertThat(errnoOf(ro.write(0, pattern(512, 1), false))).isEqualTo(EPERM);
            assertThat(errnoOf(ro.trim(0, 512))).isEqualTo(EPERM);
            c.write(0, pattern(4096, 9), false).join();
            assertThat(c.read(0, 4096).join()).isEqualTo(pattern(4096, 9));
        }
    }

    @Test
    void blockStatusNeedsTheContextNegotiated() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk", new NbdClient.Options(true, false))) {
            assertThat(errnoOf(c.command(CMD_BLOCK_STATUS, 0, 0, 4096, null))).isEqualTo(EINVAL);
        }
    }

    @Test
    void exportErrorsReachTheClientWithTheirMessage() throws Exception {
        exports.disks.get("disk").hook = (op, offset, length) -> {
            if (offset == 4096) {
                throw MemoryExports.eio("medium error at sector 8");
            }
        };
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            assertThat(errnoOf(c.read(4096, 512))).isEqualTo(EIO);
            assertThat(messageOf(c.read(4096, 512))).isEqualTo("medium error at sector 8");
            assertThat(errnoOf(c.write(4096, pattern(512, 1), true))).isEqualTo(EIO);
            assertThat(c.read(0, 512).join().remaining()).isEqualTo(512);
        }
        await().until(() -> server.bufferBytesInUse() == 0);
    }

    @Test
    void anOversizedWriteIsRefusedAndTheClientDisconnected() throws Exception {
        try (NbdClient c = NbdClient.connect(address(), "disk")) {
            CompletableFuture<?> huge = c.command(CMD_WRITE, 0, 0, (32L << 20) + 512, null);
            assertThat(errnoOf(huge)).isEqualTo(EINVAL);
            await().untilAsserted(() ->
                    assertThatThrownBy(() -> c.read(0, 512).join()).hasCauseInstanceOf(java.io.IOException.class));
        }
        await().until(() -> server.stats().open() == 0);
    }

    @Test
    void aServerShuttingDownStillAnswersTheRequestsInFlight() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        exports.disks.get("disk").hook = (op, offset, length) -> {
            if (op.equals("write-fua")) {
                writing.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        NbdClient c = NbdClient.connect(address(), "disk");
        CompletableFuture<Void> write = c.write(0, pattern(4096, 6), true);
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        await().until(() -> server.stats().open() == 1 && !closing.isDone());
        release.countDown();
        write.get(10, TimeUnit.SECONDS);
        closing.get(15, TimeUnit.SECONDS);
        assertThatThrownBy(() -> c.read(0, 512).join()).hasCauseInstanceOf(java.io.IOException.class);
        c.close();
    }

    @Test
    void disconnectAnswersEveryRequestInFlightFirst() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        exports.disks.get("disk").hook = (op, offset, length) -> {
            if (op.equals("write")) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        NbdClient c = NbdClient.connect(address(), "disk");
        CompletableFuture<Void> write = c.write(0, pattern(4096, 5), false);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                c.close();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        await().until(() -> server.stats().open() == 0);
        assertThat(exports.disks.get("disk").bytes[0]).isEqualTo(pattern(1, 5).get(0));
        assertThat(write).isDone();
    }
}
