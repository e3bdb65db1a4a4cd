package dev.cairn.control.api;

/**
 * A desired state a daemon long-polls: as of log index {@code appliedIndex}, last changed at
 * {@code changedAt} (the next poll asks for changes after it).
 */
public interface Versioned {
    long appliedIndex();

    long changedAt();
}
