package dev.cairn.cli;

import dev.cairn.control.api.Sizes;
import dev.cairn.drive.ExtentAccess;
import dev.cairn.node.StorageNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code --extent NAME=SIZE}: an extent a standalone node serves under a stable id derived from a
 * name, so the same command line serves the same extent (and data) after a restart.
 */
record NamedExtent(String name, long sizeBytes) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    static NamedExtent parse(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--extent '" + text + "' is not NAME=SIZE");
        }
        String name = text.substring(0, eq);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("extent name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        return new NamedExtent(name, Sizes.parse(text.substring(eq + 1), "--extent " + name + "="));
    }

    /** The extent's id: a name-based UUID, the same on every start. */
    UUID id() {
        return UUID.nameUUIDFromBytes(("cairn-extent:" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** Creates the extent unless it exists already with this size. */
    void ensure(StorageNode node) throws IOException {
        node.extents().create(Optional.of(id()), sizeBytes, Optional.empty(), ExtentAccess.OPEN);
    }
}
