package dev.cairn.dkv;

import java.util.concurrent.CompletableFuture;

/** Where a DKV client gets the layout: the controller, with the last one kept. */
public interface LayoutSource {
    /** The layout last fetched, or the controller's if none was. */
    CompletableFuture<Layout> current();

    /** The controller's layout, once it is newer than {@code epoch} (a mirror said it is stale). */
    CompletableFuture<Layout> newerThan(long epoch);
}
