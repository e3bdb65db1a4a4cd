package dev.cairn.agent.replica;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a volume's superblocks: a thread of its own writes them whenever the set of
 * in-sync legs changed, so a later write always carries a later state, and the thread that failed
 * a leg (a client request, the lost-connection watch) never waits for it.
 *
 * <p>Hand-over: a change {@linkplain #request asks} for a write and gets a ticket; the thread
 * writes the newest state, which covers every ticket handed out before it started (requests made
 * while it writes are covered by the next write). {@link #await} waits until the write covering a
 * ticket was tried (writes are held on it after a failure), {@link #write} until it succeeded.
 * Every field is guarded by this object's monitor, which is never held while writing.
 */
final class SuperblockWriter {
    private static final Logger log = LoggerFactory.getLogger(SuperblockWriter.class);

    /** Writes the superblocks of the in-sync legs as they are now. */
    interface Write {
        void run() throws IOException, InterruptedException;
    }

    private final UUID volumeId;
    private final Write write;
    private final Thread thread;
    private long requested;
    private long tried;
    private long succeeded;
    private Optional<String> lastFailure = Optional.empty();
    private boolean closed;

    private SuperblockWriter(UUID volumeId, Write write) {
        this.volumeId = volumeId;
        this.write = write;
        this.thread = Thread.ofVirtual().name("superblocks-" + volumeId).unstarted(this::run);
    }

    static SuperblockWriter start(UUID volumeId, Write write) {
        SuperblockWriter w = new SuperblockWriter(volumeId, write);
        w.thread.start();
        return w;
    }

    /** Asks for a write of the state as it is now; returns the ticket to {@link #await}. */
    synchronized long request() {
        requested++;
        notifyAll();
        return requested;
    }

    /** The newest ticket handed out (0 if none). */
    synchronized long latest() {
        return requested;
    }

    /** Waits until the write covering {@code ticket} was tried (or the writer was closed). */
    synchronized void await(long ticket) throws InterruptedException {
        while (tried < ticket && !closed) {
            wait();
        }
    }

    /** Writes the state as it is now and waits for it: an IOException if that write failed. */
    void write() throws IOException, InterruptedException {
        long ticket = request();
        await(ticket);
        synchronized (this) {
            if (succeeded >= ticket) {
                return;
            }
            throw new IOException(closed ? "volume " + volumeId + " closed" : lastFailure.orElse("not written"));
        }
    }

    private void run() {
        while (true) {
            long target;
            synchronized (this) {
                while (tried >= requested && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) {
                    notifyAll();
                    return;
                }
                target = requested;
            }
            Optional<String> failure = Optional.empty();
            try {
                write.run();
            } catch (IOException e) {
                failure = Optional.of(e.getMessage() == null ? e.toString() : e.getMessage());
                log.warn("volume {}: superblocks not written: {}", volumeId, failure.get());
            } catch (InterruptedException e) {
                failure = Optional.of("interrupted while writing superblocks");
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                tried = target;
                if (failure.isEmpty()) {
                    succeeded = target;
                }
                lastFailure = failure.or(() -> lastFailure);
                notifyAll();
            }
        }
    }

    /** Stops the thread; waiters return (a write still waited for fails). */
    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        thread.interrupt();
    }
}
