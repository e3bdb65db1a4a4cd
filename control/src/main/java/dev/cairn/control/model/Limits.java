package dev.cairn.control.model;

import dev.cairn.control.api.Requests;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The bounds of what the cluster model holds. Every number a command carries is checked against
 * them before it is applied (and by the REST API before it is proposed), so that no sum, product
 * or conversion the controller computes from them can overflow: times stay below the year 10000
 * (about 2^48 ms), durations below a year (about 2^35 ms), volumes below 2^46 bytes and drives
 * below 2^50 bytes. Sums over many drives or nodes, which no bound keeps small, saturate.
 */
public final class Limits {
    /**
     * Largest volume: 64 TiB. The client agent keeps one bit (and a write counter) per region in
     * memory and allows at most 2^31 - 1 regions; at the smallest region size (64 KiB) 64 TiB is
     * 2^30 regions. A leg is one extent on one drive, so a volume must also fit on one drive.
     */
    public static final long MAX_VOLUME_BYTES = 1L << 46;

    /** Largest drive figure a node may report (capacity, data area, used, free): 1 PiB. */
    public static final long MAX_DRIVE_BYTES = 1L << 50;

    /** Drives one node may report. */
    public static final int MAX_DRIVES_PER_NODE = 256;

    /** Extents one node may report in a heartbeat (the 1 MB request limit binds before this). */
    public static final int MAX_EXTENTS_PER_NODE = 100_000;

    /** Labels one node may announce, and labels one request may set or remove. */
    public static final int MAX_LABELS = 32;

    /** Errors one heartbeat may carry, and the length of each (nodes and agents keep to them). */
    public static final int MAX_ERRORS = Requests.MAX_ERRORS;

    public static final int MAX_ERROR_CHARS = Requests.MAX_ERROR_CHARS;

    /** An address (NBD HOST:PORT, an admin URL). */
    public static final int MAX_ADDRESS_CHARS = 255;

    /** Volumes one agent heartbeat may report on. */
    public static final int MAX_AGENT_VOLUMES = 4_096;

    /** Legs one volume report may name (as many as a leg header can list). */
    public static final int MAX_REPORTED_LEGS = 16;

    /**
     * BStores of one erasure-coded volume (carried in its creation, and its deletion): 65,536 is 10
     * TiB of a 4+2 volume, a log entry of about 2.5 MB.
     */
    public static final int MAX_VOLUME_BSTORES = 65_536;

    /** BStores one reprotect command starts or ends. */
    public static final int MAX_REBUILDS_PER_COMMAND = 4_096;

    /** A name or id: names are at most 63 characters, ids 36. */
    public static final int MAX_NAME_CHARS = 63;

    /** A repair note, written by the leader. */
    public static final int MAX_NOTE_CHARS = 4_096;

    /** Longest repair timeout a class may have, and longest duration any command carries. */
    public static final Duration MAX_DURATION = Duration.ofDays(365);

    /** Latest time a command may carry: the last millisecond of the year 9999. */
    public static final long MAX_MILLIS = 253_402_300_799_999L;

    /** A leg's secret, as a storage node stores it: 1 to 64 of these characters. */
    public static final Pattern SECRET = Pattern.compile("[A-Za-z0-9._~-]{1,64}");

    private Limits() {}

    /** {@code a + b}, or {@link Long#MAX_VALUE} / {@link Long#MIN_VALUE} where that overflows. */
    public static long addSaturated(long a, long b) {
        long sum = a + b;
        // Overflow iff both operands have the sign the sum does not have.
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }
}
