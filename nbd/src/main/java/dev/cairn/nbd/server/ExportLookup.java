package dev.cairn.nbd.server;

/** The answer of {@link ExportCatalog#open}: an open export, or why not. */
public sealed interface ExportLookup {

    /** The export exists and the client may use it. */
    record Found(ExportSession session) implements ExportLookup {}

    /** No such export. The message is shown to the client. */
    record Unknown(String message) implements ExportLookup {}

    /** The export exists but this client may not open it (credentials, fencing). */
    record Refused(String message) implements ExportLookup {}
}
