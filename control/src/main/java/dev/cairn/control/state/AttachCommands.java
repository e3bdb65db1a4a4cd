package dev.cairn.control.state;

import static dev.cairn.control.state.Outcome.Status.CONFLICT;
import static dev.cairn.control.state.Outcome.Status.INVALID;
import static dev.cairn.control.state.Outcome.Status.NOT_FOUND;

import dev.cairn.control.model.AgentRecord;
import dev.cairn.control.model.Attachment;
import dev.cairn.control.model.ClusterState;
import dev.cairn.control.model.Leg;
import dev.cairn.control.model.LegSync;
import dev.cairn.control.model.Volume;
import dev.cairn.control.model.VolumeReport;
import dev.cairn.control.model.VolumeState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Applies the commands about client agents: their heartbeats, attaching and detaching volumes.
 *
 * <p>Every attach and detach raises the generation of every leg of the volume (one above the
 * highest any leg has had), so the nodes fence connections opened with an older one: an agent
 * the volume was moved or detached from can no longer write, whatever it believes.
 */
final class AttachCommands {
    private AttachCommands() {}

    static Outcome heartbeat(ClusterState s, LegIndex index, Command.AgentHeartbeat c, long logIndex) {
        try {
            AgentRecord.checkHost(c.host());
        } catch (IllegalArgumentException e) {
            return Outcome.refused(INVALID, e.getMessage());
        }
        s.agents().put(c.host(), new AgentRecord(c.host(), c.nbdAddress(), c.atMillis()));
        Set<UUID> holding = ReprotectCommands.holding(s);
        for (VolumeReport r : c.volumes()) {
            Volume v = s.volumes().get(r.volumeId());
            if (v == null || !attachedAt(v, c.host(), r.generation())) {
                continue; // not (or no longer) this agent's to report on
            }
            if (says(v, r)) {
                s.volumes().put(v.id(), v.withReport(onlyItsLegs(v, r)));
                LegHealth.afterReport(s, index, v.id(), c.atMillis(), logIndex);
            }
            if (holding.contains(v.id())) {
                ReprotectCommands.release(
                        s,
                        index,
                        v.id(),
                        r.legs().keySet(),
                        c.atMillis(),
                        logIndex,
                        "its agent switched to the new BStore");
            }
        }
        return Outcome.ok(c.host());
    }

    /**
     * Whether report {@code r} says something new of {@code v}. A report that did not change still
     * does for a kept leg whose node came back since: the agent vouches for it now (it may be taken
     * back).
     */
    private static boolean says(Volume v, VolumeReport r) {
        return !v.report().equals(Optional.of(onlyItsLegs(v, r)))
                || v.legs().stream().anyMatch(Leg::kept);
    }

    /**
     * Whether agent heartbeat {@code c} would change nothing but when its agent was last heard from:
     * a known agent at the same address whose reports say nothing new ({@link Liveness}).
     */
    static boolean onlyLiveness(ClusterState s, Command.AgentHeartbeat c) {
        AgentRecord a = s.agents().get(c.host());
        if (a == null || !a.nbdAddress().equals(c.nbdAddress())) {
            return false;
        }
        Set<UUID> holding = ReprotectCommands.holding(s);
        for (VolumeReport r : c.volumes()) {
            Volume v = s.volumes().get(r.volumeId());
            if (v != null
                    && attachedAt(v, c.host(), r.generation())
                    && (says(v, r)
                            || (holding.contains(v.id())
                                    && ReprotectCommands.releases(
                                            s, v.id(), r.legs().keySet())))) {
                return false;
            }
        }
        return true;
    }

    private static boolean attachedAt(Volume v, String host, long generation) {
        return v.attachment()
                .filter(a -> a.host().equals(host) && a.generation() == generation)
                .isPresent();
    }

    /** The report, without legs the volume does not have. */
    private static VolumeReport onlyItsLegs(Volume v, VolumeReport r) {
        SortedMap<UUID, LegSync> legs = new TreeMap<>();
        for (Leg leg : v.legs()) {
            LegSync sync = r.legs().get(leg.extentId());
            if (sync != null) {
                legs.put(leg.extentId(), sync);
            }
        }
        return new VolumeReport(r.volumeId(), r.generation(), legs, r.resync());
    }

    static Outcome attach(ClusterState s, LegIndex index, Command.AttachVolume c, long logIndex) {
        try {
            AgentRecord.checkHost(c.host());
        } catch (IllegalArgumentException e) {
            return Outcome.refused(INVALID, e.getMessage());
        }
        Optional<Volume> found = VolumeCommands.find(s, index, c.volume());
        if (found.isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no volume '" + c.volume() + "'");
        }
        Volume v = found.get();
        if (v.state() != VolumeState.AVAILABLE) {
            return Outcome.refused(
                    CONFLICT, "volume '" + v.name() + "' is " + v.state() + ": not every leg exists yet");
        }
        if (!s.agents().containsKey(c.host())) {
            return Outcome.refused(
                    NOT_FOUND,
                    "no agent on host '" + c.host() + "' (agents: "
                            + (s.agents().isEmpty()
                                    ? "none"
                                    : String.join(", ", s.agents().keySet())) + ")");
        }
        Optional<Attachment> before = v.attachment();
        if (before.isPresent() && !before.get().host().equals(c.host()) && !c.force()) {
            String other = before.get().host();
            return Outcome.refused(
                    CONFLICT,
                    "volume '" + v.name() + "' is attached to host '" + other
                            + "'; detach it first, or force the move (the agent on '" + other + "' is fenced)");
        }
        long generation = nextGeneration(v);
        Attachment to = new Attachment(c.host(), generation, c.atMillis());
        s.volumes().put(v.id(), erasureAt(v, generation).attached(to, atGeneration(v, generation, index, logIndex)));
        before.ifPresent(a -> index.detach(v.id(), a.host(), logIndex));
        index.attach(v.id(), c.host(), logIndex);
        ReprotectCommands.release(s, index, v.id(), Set.of(), c.atMillis(), logIndex, "the volume was attached again");
        LegHealth.refresh(s, v.id(), c.atMillis());
        return Outcome.ok(v.id().toString());
    }

    static Outcome detach(ClusterState s, LegIndex index, Command.DetachVolume c, long logIndex) {
        Optional<Volume> found = VolumeCommands.find(s, index, c.volume());
        if (found.isEmpty()) {
            return Outcome.refused(NOT_FOUND, "no volume '" + c.volume() + "'");
        }
        Volume v = found.get();
        if (v.attachment().isEmpty()) {
            return Outcome.refused(CONFLICT, "volume '" + v.name() + "' is not attached");
        }
        long generation = nextGeneration(v);
        s.volumes().put(v.id(), erasureAt(v, generation).detached(atGeneration(v, generation, index, logIndex)));
        index.detach(v.id(), v.attachment().get().host(), logIndex);
        ReprotectCommands.release(s, index, v.id(), Set.of(), c.atMillis(), logIndex, "the volume was detached");
        LegHealth.refresh(s, v.id(), c.atMillis());
        return Outcome.ok(v.id().toString());
    }

    /** A generation none of the volume's legs (or its BStores) has had. */
    private static long nextGeneration(Volume v) {
        return v.generation() + 1;
    }

    /**
     * The volume's legs at {@code generation}; their nodes are told (they apply it and fence
     * connections holding an older one).
     */
    private static List<Leg> atGeneration(Volume v, long generation, LegIndex index, long logIndex) {
        v.legs().forEach(l -> index.touch(l.nodeId(), logIndex));
        v.erasure().ifPresent(e -> e.nodes().forEach(n -> index.touch(n, logIndex)));
        return v.legs().stream().map(l -> l.withGeneration(generation)).toList();
    }

    /** An erasure-coded volume's layout moves to {@code generation} with it (its BStores' nodes fence). */
    private static Volume erasureAt(Volume v, long generation) {
        return v.erasure()
                .map(e -> v.withErasure(e.withGeneration(generation), v.state()))
                .orElse(v);
    }
}
