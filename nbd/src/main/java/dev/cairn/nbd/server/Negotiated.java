package dev.cairn.nbd.server;

/**
 * The outcome of a successful handshake: the export to serve and how to talk to the client.
 *
 * @param metaContextId the id of base:allocation if the client selected it for this export, else 0
 */
record Negotiated(ExportSession session, boolean structuredReplies, int metaContextId) {
    boolean blockStatusAllowed() {
        return metaContextId != 0;
    }
}
