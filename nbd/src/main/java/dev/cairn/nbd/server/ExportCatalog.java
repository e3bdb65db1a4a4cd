package dev.cairn.nbd.server;

import java.util.List;

/**
 * What the server exports, supplied by the embedding daemon (a storage node, a client agent). The
 * server knows nothing of storage: it asks the catalog to list exports and to open one by the name
 * the client sent, which may carry credentials (the catalog decides).
 */
public interface ExportCatalog {

    /** An entry of NBD_OPT_LIST. */
    record Listing(String name, String description) {}

    /** The exports a client may see listed. */
    List<Listing> list();

    /** Opens an export for one connection; called for NBD_OPT_INFO, NBD_OPT_GO and EXPORT_NAME. */
    ExportLookup open(String requestedName);
}
