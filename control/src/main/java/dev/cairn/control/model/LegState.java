package dev.cairn.control.model;

/** Where a leg is in its life. */
public enum LegState {
    /** Placed; its node has not yet reported the extent. */
    CREATING,
    /** Its node reports the extent with the right size and generation. */
    READY
}
