package dev.cairn.dkv;

/** What one mirror's slot holds: nothing yet, a value whose checksum holds, or bytes that fail it. */
public sealed interface SlotRead {
    /** Never written (all zeros). */
    record Empty() implements SlotRead {}

    /** A slot whose header and checksum hold. */
    record Valid(Slot slot) implements SlotRead {}

    /** Torn, corrupted or foreign bytes; never returned as a value. {@code why} says what failed. */
    record Corrupt(String why) implements SlotRead {}

    SlotRead EMPTY = new Empty();
}
