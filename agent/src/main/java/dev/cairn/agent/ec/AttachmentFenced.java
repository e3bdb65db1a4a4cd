package dev.cairn.agent.ec;

import java.io.IOException;

/**
 * A member's node refused a request because the volume's attachment moved on (detached, or
 * attached elsewhere: a newer generation fenced this agent). Nothing this agent sends may be
 * written any more; the request fails, and no member is failed for it.
 */
final class AttachmentFenced extends IOException {
    private static final long serialVersionUID = 1L;

    AttachmentFenced(String message) {
        super("the volume's attachment moved on (fenced): " + message);
    }
}
