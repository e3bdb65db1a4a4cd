package dev.cairn.agent.ec;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.AgentApi.LegSyncState;
import dev.cairn.control.api.Requests;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What an erasure-coded volume's heartbeat says of it. */
final class EcReports {
    /** What a heartbeat may say of one volume's members (the controller's bound on reported legs). */
    static final int REPORTED_BSTORES = 16;

    private EcReports() {}

    /**
     * First the BStores moving to another node that are still in use, as in sync (the controller
     * keeps a moved BStore until a report no longer names it: this agent may still read it), then
     * those not in sync; at most {@value #REPORTED_BSTORES} in all (a volume has thousands of
     * BStores; a heartbeat says what needs attention, and one move per volume runs at a time).
     */
    static AgentApi.VolumeReport report(EcSpec spec, List<PStoreIo> pstores, AgentApi.ResyncReport resync) {
        List<AgentApi.LegReport> reports = new ArrayList<>();
        for (PStoreIo p : pstores) {
            for (BStore b : p.members()) {
                if (b.usable() && p.record.isMoving(b.index) && reports.size() < REPORTED_BSTORES) {
                    reports.add(new AgentApi.LegReport(b.target.extentId().toString(), b.state(), Optional.empty()));
                }
            }
        }
        for (PStoreIo p : pstores) {
            for (BStore b : p.members()) {
                if (b.state() != LegSyncState.IN_SYNC && reports.size() < REPORTED_BSTORES) {
                    reports.add(new AgentApi.LegReport(
                            b.target.extentId().toString(),
                            b.state(),
                            b.failure().map(Requests::reportable)));
                }
            }
        }
        return new AgentApi.VolumeReport(spec.volumeId().toString(), spec.generation(), reports, resync);
    }
}
