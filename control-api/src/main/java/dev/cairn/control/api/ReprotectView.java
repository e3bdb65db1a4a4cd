package dev.cairn.control.api;

/**
 * Distributed sparing and reprotect, cluster-wide: the share of every drive that new BStores
 * leave free ({@code sparingFraction}, enough to rebuild the largest drive into the others) and
 * the bytes that makes; the BStores being rebuilt now, and the bytes their nodes have written of
 * the bytes they rebuild.
 */
public record ReprotectView(
        double sparingFraction, long sparingBytes, int rebuilding, long rebuiltBytes, long rebuildBytes) {}
