package dev.cairn.control.model;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Ids as the controller writes them: a UUID in its canonical form ({@link UUID#toString}, 36
 * characters). {@link UUID#fromString} also takes shorter forms such as {@code 1-2-3-4-5}; ids
 * given to the API must be canonical, so that text is either an id or not, and a volume name can
 * be told from a volume id at a glance.
 */
public final class CanonicalId {
    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private CanonicalId() {}

    /** The UUID {@code text} spells in canonical form, if it does. */
    public static Optional<UUID> parse(String text) {
        return matches(text) ? Optional.of(UUID.fromString(text)) : Optional.empty();
    }

    public static boolean matches(String text) {
        return text != null && CANONICAL.matcher(text).matches();
    }
}
