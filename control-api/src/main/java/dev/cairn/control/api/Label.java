package dev.cairn.control.api;

import java.util.regex.Pattern;

/** A topology label: {@code zone=a}, {@code rack=r1}. */
public record Label(String key, String value) {
    private static final Pattern KEY = Pattern.compile("[a-z0-9]([a-z0-9._/-]{0,62})");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,62})");

    public Label {
        checkKey(key);
        checkValue(key, value);
    }

    /** Parses {@code key=value}. */
    public static Label parse(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("'" + text + "' is not KEY=VALUE");
        }
        return new Label(text.substring(0, eq), text.substring(eq + 1));
    }

    public static void checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(
                    "label key '" + key + "' must be lower-case letters, digits, '.', '_', '/' or '-' (up to 63)");
        }
    }

    public static void checkValue(String key, String value) {
        if (value == null || !VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "label value '" + value + "' of '" + key + "' must be letters, digits, '.', '_' or '-' (up to 63)");
        }
    }

    @Override
    public String toString() {
        return key + "=" + value;
    }
}
