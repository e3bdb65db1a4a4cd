package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.Optional;

/**
 * A progress bar for a long step: redrawn in place on a terminal, one line per quarter otherwise
 * (logs, CI).
 */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastQuarter;

    Progress(PrintWriter out, String label, long total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.terminal = terminal;
    }

    /** Whether standard output is a terminal (bars redraw in place). */
    static boolean terminal() {
        return Optional.ofNullable(System.console())
                .map(java.io.Console::isTerminal)
                .orElse(false);
    }

    /** {@code done} of the total (in bytes: the rate is printed in MB/s). */
    synchronized void update(long done) {
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDraw > 100_000_000L) {
                lastDraw = now;
                out.print("\r" + line(done));
                out.flush();
            }
        } else {
            int quarter = (int) (4 * Math.min(done, total) / total);
            if (quarter > lastQuarter && quarter < 4) {
                lastQuarter = quarter;
                out.println(line(done));
                out.flush();
            }
        }
    }

    /** Draws the bar full and ends its line. */
    synchronized void done() {
        out.println((terminal ? "\r" : "") + line(total));
        out.flush();
    }

    private String line(long done) {
        double fraction = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        return String.format(
                "      %-28s [%s%s] %3d%%  %6.1f MB/s",
                label,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                Math.round(fraction * 100),
                done / seconds / 1e6);
    }
}
