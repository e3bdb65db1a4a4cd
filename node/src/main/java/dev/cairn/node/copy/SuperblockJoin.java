package dev.cairn.node.copy;

import dev.cairn.legs.header.BitmapFormat;
import dev.cairn.legs.header.LegHeader;
import dev.cairn.legs.io.LegIo;
import dev.cairn.legs.sync.ResyncPlan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Makes a leg a node has just copied (and flushed) a member of the in-sync set: gives it the
 * bitmap (the union the plan read), then writes a superblock at the next event, naming the legs
 * that were in sync and the new one, to each of them: the old members first, the new leg last, so
 * that a crash in between leaves either the old set or one that the new leg really belongs to.
 *
 * <p>Two nodes copying two legs of the same volume may join at once and each overwrite the other's
 * superblocks. Each reads the superblocks back; one that does not find what it wrote says so, and
 * its copy plans again (the other's join made the set newer; a second join with both converges).
 */
final class SuperblockJoin {
    private SuperblockJoin() {}

    /** Joins {@code target}; false if another join raced this one (plan again and retry). */
    static boolean join(
            ResyncPlan.Geometry g,
            long generation,
            UUID target,
            ResyncPlan.Ready plan,
            Map<UUID, LegIo> open,
            Duration timeout)
            throws IOException, InterruptedException {
        LegIo leg = open.get(target);
        long[] words = plan.dirty().toLongArray();
        for (int p = 0; p < BitmapFormat.pagesFor(g.regions()); p++) {
            long at = LegHeader.BITMAP_OFFSET + (long) p * BitmapFormat.PAGE_BYTES;
            LegIo.await(leg.write(at, BitmapFormat.page(words, p), false), timeout);
        }
        LegIo.await(leg.flush(), timeout);
        List<UUID> members = new ArrayList<>();
        plan.sync().forEach((id, sync) -> {
            if (sync.equals(ResyncPlan.Sync.NONE) && !id.equals(target)) {
                members.add(id);
            }
        });
        members.add(target);
        long events = plan.events() + 1;
        for (UUID member : members) {
            LegHeader h = new LegHeader(
                    g.volumeId(), member, generation, events, g.sizeBytes(), g.regionBytes(), g.dataOffset(), members);
            LegIo.await(open.get(member).write(0, h.encode(), true), timeout);
        }
        for (UUID member : members) {
            ByteBuffer block = ByteBuffer.allocate(LegHeader.BYTES);
            LegIo.await(open.get(member).read(0, block), timeout);
            if (!(LegHeader.decode(block) instanceof LegHeader.Valid v)
                    || v.header().events() != events
                    || !v.header().inSync().equals(members)) {
                return false;
            }
        }
        return true;
    }
}
