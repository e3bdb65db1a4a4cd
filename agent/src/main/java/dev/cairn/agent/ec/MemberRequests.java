package dev.cairn.agent.ec;

import dev.cairn.legs.io.LegIo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Requests sent to several members of a PStore at once, and what their answers do to them. */
final class MemberRequests {
    private MemberRequests() {}

    /** Sends {@code request} to every member of {@code members} that takes writes (usable or catching up). */
    static Map<BStore, CompletableFuture<?>> toUsable(
            List<BStore> members, Function<BStore, CompletableFuture<?>> request) {
        Map<BStore, CompletableFuture<?>> sent = new LinkedHashMap<>();
        for (BStore b : members) {
            if (b.writable()) {
                sent.put(b, request.apply(b));
            }
        }
        return sent;
    }

    /**
     * Waits for every request, all within one {@code timeout}; a member whose request failed or did
     * not answer is failed. Returns how many failed. A member whose node refused the request because
     * the volume's attachment moved on (fenced) is not failed: this agent may no longer write the
     * PStore at all, so the request fails with {@link AttachmentFenced}, and no superblock names a
     * member failed for it (one that a fenced node did not take yet would say the others missed
     * writes they did not miss).
     */
    static int awaitAll(Duration timeout, String who, Map<BStore, CompletableFuture<?>> requests) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int failed = 0;
        String fenced = null;
        for (Map.Entry<BStore, CompletableFuture<?>> r : requests.entrySet()) {
            try {
                LegIo.await(r.getValue(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(who + ": interrupted");
            } catch (IOException e) {
                if (LegIo.fenced(e)) {
                    fenced = r.getKey() + ": " + e.getMessage();
                } else {
                    r.getKey().fail(e.getMessage());
                    failed++;
                }
            }
        }
        if (fenced != null) {
            throw new AttachmentFenced(who + ": " + fenced);
        }
        return failed;
    }

    /** "; BStore 2: why" for every failed member. */
    static String failures(List<BStore> members) {
        StringBuilder failures = new StringBuilder();
        for (BStore b : members) {
            b.failure()
                    .ifPresent(f -> failures.append("; BStore ")
                            .append(b.index)
                            .append(": ")
                            .append(f));
        }
        return failures.toString();
    }
}
