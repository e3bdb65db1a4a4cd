package dev.cairn.control.model;

/** Where a volume is in its life. */
public enum VolumeState {
    /** Placed; not every leg exists yet. */
    CREATING,
    /** Every leg exists. */
    AVAILABLE
}
