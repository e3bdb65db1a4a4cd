package dev.cairn.control.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An erasure code of a storage class: every PStore is {@code k} data and {@code m} parity BStores,
 * and survives the loss of any {@code m}.
 */
public record ErasureCode(int k, int m) {
    /** The widest stripe a class may ask for: every BStore of a PStore on its own node. */
    public static final int MAX_WIDTH = 32;

    private static final Pattern TEXT = Pattern.compile("(\\d{1,3})\\+(\\d{1,3})");

    public ErasureCode {
        if (k < 1 || m < 1) {
            throw new IllegalArgumentException(
                    "an erasure code needs at least 1 data and 1 parity BStore, got " + k + "+" + m);
        }
        if (k + m > MAX_WIDTH) {
            throw new IllegalArgumentException(
                    k + "+" + m + " has " + (k + m) + " BStores per PStore; at most " + MAX_WIDTH);
        }
    }

    /** Reads "K+M", as in {@code --ec 4+2}. */
    public static ErasureCode parse(String text) {
        Matcher matcher = TEXT.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("erasure code '" + text + "' is not K+M (for example 4+2)");
        }
        return new ErasureCode(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)));
    }

    public int width() {
        return k + m;
    }

    @Override
    public String toString() {
        return k + "+" + m;
    }
}
