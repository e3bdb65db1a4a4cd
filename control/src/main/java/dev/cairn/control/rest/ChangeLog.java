package dev.cairn.control.rest;

import dev.cairn.control.state.Command;
import dev.cairn.control.state.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line for every change made through the API, by an operator or a node (heartbeats
 * aside), with the ids involved: logged by the peer that took the request, once the change is
 * applied. The leader's own changes (nodes marked offline, repairs) are logged where it makes them.
 */
final class ChangeLog {
    private static final Logger log = LoggerFactory.getLogger(ChangeLog.class);

    private ChangeLog() {}

    static void applied(Command command, Outcome o) {
        String id = o.id().orElse("?");
        switch (command) {
            case Command.RegisterNode r ->
                log.info(
                        "node {} registered: NBD at {}, labels {}, {} drive(s)",
                        r.name() == null ? r.nodeId() : r.name() + " (" + r.nodeId() + ")",
                        r.nbdAddress(),
                        r.labels(),
                        r.drives().size());
            case Command.SetNodeLabels l ->
                log.info("node {}: labels {} set, {} removed", l.nodeId(), l.set(), l.remove());
            case Command.CreateClass c ->
                log.info(
                        "class {} created: {} replica(s) across '{}'",
                        c.storageClass().name(),
                        c.storageClass().replicas(),
                        c.storageClass().spreadAcross());
            case Command.DeleteClass c -> log.info("class {} deleted", c.name());
            case Command.CreateVolume v ->
                log.info(
                        "volume {} ({}) created: {} bytes, class {}, {} leg(s)",
                        v.name(),
                        v.volumeId(),
                        v.sizeBytes(),
                        v.className(),
                        v.extentIds().size());
            case Command.DeleteVolume v -> log.info("volume {} ({}) deleted: its legs become orphans", v.volume(), id);
            case Command.AttachVolume a ->
                log.info(
                        "volume {} ({}) attached to host {}{}", a.volume(), id, a.host(), a.force() ? " (forced)" : "");
            case Command.DetachVolume d -> log.info("volume {} ({}) detached", d.volume(), id);
            case Command.AddReplica r -> log.info("volume {}: leg added, extent {}", r.volume(), r.extentId());
            case Command.RemoveReplica r ->
                log.info(
                        "volume {}: leg {} (extent {}) removed{}",
                        r.volume(),
                        r.leg(),
                        id,
                        r.force() ? " (forced)" : "");
            case Command.DrainNode d -> log.info("node {}: draining", d.nodeId());
            case Command.UndrainNode u -> log.info("node {}: drain stopped", u.nodeId());
            case Command.EraseOrphan e -> log.info("orphan {}: its node is to erase it", e.extentId());
            case Command.ReserveDkvKeys r -> log.info("DKV: {} keys reserved from key {}", r.keys(), id);
            default -> {}
        }
    }
}
