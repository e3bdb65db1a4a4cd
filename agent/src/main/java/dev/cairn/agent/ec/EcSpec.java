package dev.cairn.agent.ec;

import dev.cairn.control.api.AgentApi;
import dev.cairn.legs.io.LegTarget;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * An attached erasure-coded volume as the controller hands it out: identity, the attachment
 * generation, its geometry, and for each PStore its {@code k + m} BStores in member order (data
 * first, then parity), each with the export name that opens it at this generation.
 */
public record EcSpec(
        UUID volumeId, String name, long generation, StripeGeometry geometry, List<List<LegTarget>> pstores) {

    public EcSpec {
        pstores = pstores.stream().map(List::copyOf).toList();
        if (pstores.size() != geometry.pstores()) {
            throw new IllegalArgumentException("volume " + name + " of " + geometry.volumeBytes() + " bytes has "
                    + geometry.pstores() + " PStores of " + geometry.pstoreBytes() + " bytes, the controller names "
                    + pstores.size());
        }
        Set<UUID> extents = new HashSet<>();
        for (int p = 0; p < pstores.size(); p++) {
            List<LegTarget> members = pstores.get(p);
            if (members.size() != geometry.width()) {
                throw new IllegalArgumentException("volume " + name + ": PStore " + p + " has " + members.size()
                        + " BStores, a " + geometry.k() + "+" + geometry.m() + " code needs " + geometry.width());
            }
            for (LegTarget t : members) {
                if (!extents.add(t.extentId())) {
                    throw new IllegalArgumentException("volume " + name + " names BStore " + t.extentId() + " twice");
                }
                if (t.extentSizeBytes() < geometry.bstoreBytes(p)) {
                    throw new IllegalArgumentException("volume " + name + ": BStore " + t.extentId() + " of PStore " + p
                            + " has " + t.extentSizeBytes() + " bytes, its rows need " + geometry.bstoreBytes(p));
                }
            }
        }
    }

    /** From the controller's description of an erasure-coded volume, with this attachment's export names. */
    public static EcSpec of(AgentApi.AttachedVolume v) {
        AgentApi.AttachedErasure e = v.erasure()
                .orElseThrow(() -> new IllegalArgumentException("volume " + v.name() + " is not erasure-coded"));
        StripeGeometry geometry = new StripeGeometry(
                e.k(), e.m(), e.chunkBytes(), e.pstoreBytes(), e.regionRows(), e.headerBytes(), v.sizeBytes());
        List<List<LegTarget>> pstores = new ArrayList<>();
        for (List<AgentApi.AttachedLeg> members : e.pstores()) {
            List<LegTarget> targets = new ArrayList<>();
            for (AgentApi.AttachedLeg b : members) {
                targets.add(new LegTarget(
                        b.index(),
                        b.extentId(),
                        b.nodeId(),
                        LegTarget.address(b.nbdAddress()),
                        LegTarget.exportName(b.extentId(), v.generation(), b.secret()),
                        b.extentSizeBytes(),
                        b.kept(),
                        b.moving()));
            }
            pstores.add(targets);
        }
        return new EcSpec(v.volumeId(), v.name(), v.generation(), geometry, pstores);
    }

    /** "volume NAME (ID)", for logs. */
    public String describe() {
        return "volume " + name + " (" + volumeId + ")";
    }
}
