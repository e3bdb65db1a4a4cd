package dev.cairn.drive;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts I/O in flight on an extent so that freeing it can close the gate and wait until nothing
 * touches its bytes any more, before they are erased and handed to someone else.
 */
final class IoGate {
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    /** Enters the gate; false when it is closed (the caller must not touch the extent). */
    boolean enter() {
        if (closed) {
            return false;
        }
        inFlight.incrementAndGet();
        if (closed) {
            exit();
            return false;
        }
        return true;
    }

    void exit() {
        if (inFlight.decrementAndGet() == 0 && closed) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes the gate and waits until every operation that entered has left. */
    void closeAndDrain() throws InterruptedException {
        closed = true;
        synchronized (this) {
            while (inFlight.get() != 0) {
                wait();
            }
        }
    }
}
