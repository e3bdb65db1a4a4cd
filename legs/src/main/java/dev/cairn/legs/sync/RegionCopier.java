package dev.cairn.legs.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Copies a list of regions to one leg, {@code workers} at a time, and checkpoints how far it got,
 * so that a full copy that is stopped (a crash, the volume attached or detached, a leg lost) goes
 * on from there the next time instead of starting again. The agent (a leg of a volume it serves)
 * and a storage node (a leg of a detached volume) both copy with it; what copying one region means
 * is theirs ({@link RegionCopy}).
 *
 * <p>Workers take the regions in list order. A checkpoint records a region R such that every region
 * of the leg below R holds the data or is dirty (marked in the other legs' bitmaps, which the next
 * copy takes again): the first region of the list not yet copied, or where this copy started if
 * that is higher (the list, ascending, holds every region from there on and the dirty ones below
 * it). It runs on the calling thread every {@code checkpointEvery} regions, never concurrently
 * with itself, and never records less than before.
 *
 * <p>Stopping: the first region that fails stops every worker after its region, and the failure is
 * thrown; interrupting the calling thread interrupts the workers at once.
 */
public final class RegionCopier {

    /** Copies one region to the target leg; throws to stop the whole copy. */
    public interface RegionCopy {
        void copy(long region) throws IOException, InterruptedException;
    }

    /**
     * Makes every region copied so far durable on the target and records that every region below
     * {@code copiedBelow} is copied (a {@link dev.cairn.legs.header.FillRecord}).
     */
    public interface Checkpoint {
        void record(long copiedBelow) throws IOException, InterruptedException;
    }

    /** For a copy that must not leave a record (a leg whose valid header says what it is). */
    public static final Checkpoint NO_CHECKPOINT = copiedBelow -> {};

    /** Checkpoints a copy makes at least, whatever the volume's size (when regions allow). */
    static final int MIN_CHECKPOINTS = 16;

    private final int workers;
    private final int checkpointEvery;

    /**
     * Regions between two checkpoints: every {@code atMostBytes} (each checkpoint costs a flush of
     * the leg), and at least {@value #MIN_CHECKPOINTS} times over a volume of {@code volumeBytes}
     * so that a copy of a small volume leaves records too; one region at least.
     */
    public static int checkpointEvery(long regionBytes, long volumeBytes, long atMostBytes) {
        long bytes = Math.min(atMostBytes, volumeBytes / MIN_CHECKPOINTS);
        return Math.clamp(bytes / regionBytes, 1, Integer.MAX_VALUE);
    }

    /**
     * @param workers regions copied at once
     * @param checkpointEvery regions copied between two checkpoints
     */
    public RegionCopier(int workers, int checkpointEvery) {
        if (workers < 1 || checkpointEvery < 1) {
            throw new IllegalArgumentException(
                    "workers " + workers + " and checkpoint interval " + checkpointEvery + " must be at least 1");
        }
        this.workers = workers;
        this.checkpointEvery = checkpointEvery;
    }

    /**
     * Copies {@code regions} (ascending, out of {@code regionCount}: every region from {@code
     * startedFrom} on, and dirty ones below it), checkpointing on the way, and calls {@code
     * halfway} once half of them are copied. Returns when every one is copied.
     */
    public void copy(
            List<Long> regions,
            long startedFrom,
            long regionCount,
            RegionCopy step,
            Checkpoint checkpoint,
            Runnable halfway,
            String threadName)
            throws IOException, InterruptedException {
        if (regions.isEmpty()) {
            return;
        }
        Run run = new Run(regions, step);
        List<Thread> threads = new ArrayList<>();
        try {
            for (int w = 0; w < Math.min(workers, regions.size()); w++) {
                threads.add(Thread.ofVirtual().name(threadName + "-" + w).start(run::work));
            }
            int recorded = 0;
            long recordedBelow = startedFrom;
            int half = (regions.size() + 1) / 2;
            boolean halfwaySeen = false;
            while (true) {
                int done = run.awaitProgress(
                        halfwaySeen ? recorded + checkpointEvery : Math.min(half, recorded + checkpointEvery));
                if (!halfwaySeen && done >= half) {
                    halfwaySeen = true;
                    halfway.run();
                }
                if (run.failure() != null || done == regions.size()) {
                    break;
                }
                if (done >= recorded + checkpointEvery) {
                    int low = run.lowWatermark();
                    long below = low < regions.size() ? regions.get(low) : regionCount;
                    if (below > recordedBelow) {
                        checkpoint.record(below);
                        recordedBelow = below;
                    }
                    recorded = done;
                }
            }
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            run.stop();
            threads.forEach(Thread::interrupt);
            throw e;
        } catch (IOException | RuntimeException | AssertionError e) {
            run.stop();
            throw e;
        }
        Throwable failed = run.failure();
        if (failed instanceof IOException io) {
            throw io;
        }
        if (failed instanceof InterruptedException ie) {
            throw ie;
        }
        if (failed instanceof AssertionError error) {
            throw error;
        }
        if (failed != null) {
            throw new IOException("copy failed: " + failed, failed);
        }
    }

    /** One copy's shared state: the next region to take, which are done, the first failure. */
    private static final class Run {
        private final List<Long> regions;
        private final RegionCopy step;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition progress = lock.newCondition();
        private final boolean[] done;
        private int next;
        private int doneCount;
        private int low;
        private Throwable failure;
        private boolean stopped;

        Run(List<Long> regions, RegionCopy step) {
            this.regions = regions;
            this.step = step;
            this.done = new boolean[regions.size()];
        }

        void work() {
            while (true) {
                int i;
                lock.lock();
                try {
                    if (stopped || failure != null || next == regions.size()) {
                        return;
                    }
                    i = next++;
                } finally {
                    lock.unlock();
                }
                boolean copied = false;
                try {
                    step.copy(regions.get(i));
                    copied = true;
                } catch (Exception | AssertionError e) {
                    fail(e);
                    return;
                } finally {
                    if (!copied) { // whatever ended this worker, the copy stops and says so
                        fail(new IOException("the copy of region " + regions.get(i) + " did not complete"));
                    }
                }
                lock.lock();
                try {
                    done[i] = true;
                    doneCount++;
                    while (low < done.length && done[low]) {
                        low++;
                    }
                    progress.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }

        private void fail(Throwable e) {
            lock.lock();
            try {
                if (failure == null && !stopped) {
                    failure = e;
                }
                progress.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits until {@code target} regions are done, all are, or the copy failed; returns how many are. */
        int awaitProgress(int target) throws InterruptedException {
            lock.lock();
            try {
                while (doneCount < Math.min(target, regions.size()) && failure == null) {
                    progress.await(1, TimeUnit.SECONDS);
                }
                return doneCount;
            } finally {
                lock.unlock();
            }
        }

        /** Index of the first region not yet copied. */
        int lowWatermark() {
            lock.lock();
            try {
                return low;
            } finally {
                lock.unlock();
            }
        }

        Throwable failure() {
            lock.lock();
            try {
                return failure;
            } finally {
                lock.unlock();
            }
        }

        void stop() {
            lock.lock();
            try {
                stopped = true;
                progress.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
