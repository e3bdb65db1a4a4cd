package dev.cairn.dkv;

/** Opens a mirror's KV volume for I/O under a layout's epoch (connections may be kept and shared). */
@FunctionalInterface
public interface MirrorConnector {
    KvVolume open(Layout.Mirror mirror, long epoch);
}
