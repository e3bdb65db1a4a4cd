package dev.cairn.control.api;

import java.util.regex.Pattern;

/**
 * A storage node's name, what operators type ({@code node drain node-4}): letters, digits, '.',
 * '_' and '-', up to 63 characters, the rule of a label value (a host name fits), unique in the
 * cluster, and never a UUID, so that text is either a node's id or its name, never both.
 */
public final class NodeName {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,62})");
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private NodeName() {}

    /** Throws, saying what is wrong, unless {@code name} is a valid node name. */
    public static String check(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("node name '" + name
                    + "' must be letters, digits, '.', '_' or '-' (up to 63, starting with a letter or digit)");
        }
        if (UUID_TEXT.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "node name '" + name + "' is a UUID, which would read as a node id; choose another name");
        }
        return name;
    }
}
