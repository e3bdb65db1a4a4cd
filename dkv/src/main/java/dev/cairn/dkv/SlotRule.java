package dev.cairn.dkv;

/**
 * What a mirror does with a slot written to it, whoever writes (a put, a settle, a read repair, a
 * recovery): it keeps the greater version, so that every mirror of a shard ends with the same
 * winner whatever order concurrent writes arrive in, and no write can take a slot back to an older
 * value. The storage node applies this to every write to a KV volume; it is here so that the node,
 * the in-memory volume of the tests and the simulation share one rule.
 */
public final class SlotRule {
    private SlotRule() {}

    /** What to do with a slot written. */
    public enum Verdict {
        /** Write it: the slot is empty, corrupt, older, or the same put not yet marked settled. */
        WRITE,
        /** Leave the slot as it is: it holds this put already, or a newer one. */
        KEEP,
        /** Refuse the write: the slot holds another key (the writer's layout is wrong). */
        REFUSE
    }

    /** What to do with {@code incoming}, given what the slot holds (decoded whatever its key). */
    public static Verdict judge(SlotRead stored, Slot incoming) {
        return switch (stored) {
            case SlotRead.Empty _ -> Verdict.WRITE;
            case SlotRead.Corrupt _ -> Verdict.WRITE;
            case SlotRead.Valid(Slot s) when s.key() != incoming.key() -> Verdict.REFUSE;
            case SlotRead.Valid(Slot s) -> {
                int c = incoming.version().compareTo(s.version());
                yield c > 0 || (c == 0 && incoming.settled() && !s.settled()) ? Verdict.WRITE : Verdict.KEEP;
            }
        };
    }
}
