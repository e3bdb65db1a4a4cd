package dev.cairn.control.placement;

/** A request that cannot be placed; the message names the constraint and what each filter removed. */
public final class PlacementException extends Exception {
    public PlacementException(String message) {
        super(message);
    }
}
