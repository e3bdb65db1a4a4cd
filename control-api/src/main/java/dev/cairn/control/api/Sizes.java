package dev.cairn.control.api;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as people write them: {@code 4096}, {@code 64KiB}, {@code 1GiB}, {@code 2G}. The
 * suffixes K, M, G, T, P, alone or with "iB", are powers of 1024. KB, MB, GB, TB and PB are
 * refused: elsewhere they mean powers of 1000, and a size must never be read other than meant.
 */
public final class Sizes {
    /** What the help of a size option says about its units. */
    public static final String UNITS =
            "K, M, G, T, P or KiB, MiB, GiB, TiB, PiB are powers of 1024; KB, MB, GB are" + " refused as ambiguous";

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgtp]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /** Parses a size (see the class comment for its units). */
    public static long parse(String text) {
        try {
            return bytes(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("size " + e.getMessage(), e);
        }
    }

    /** Parses the size given to {@code option} ({@code --size}); an error names the option. */
    public static long parse(String text, String option) {
        try {
            return bytes(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage(), e);
        }
    }

    private static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 4096, 64KiB, 1GiB)");
        }
        String unit = m.group(3) == null ? "" : m.group(3);
        if (!m.group(2).isEmpty() && unit.equalsIgnoreCase("b")) {
            String binary = m.group(1) + m.group(2).toUpperCase(Locale.ROOT) + "iB";
            throw new IllegalArgumentException(
                    "'" + text.trim() + "' is ambiguous: " + m.group(2).toUpperCase(Locale.ROOT)
                            + "B means a power of 1000 to some and of 1024 to others; write " + binary
                            + " for powers of 1024, or the number of bytes");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) { // only digits: too many of them
            value = -1;
        }
        if (value < 0 || value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(
                    "'" + text.trim() + "' is too large: a size is at most 8 EiB (" + Long.MAX_VALUE + " bytes)");
        }
        return value << shift;
    }

    /** A short human form: 1.5 GiB, 512 KiB, 100 B. */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
