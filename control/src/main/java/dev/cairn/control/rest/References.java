package dev.cairn.control.rest;

import dev.cairn.control.api.Views;
import dev.cairn.control.model.CanonicalId;
import dev.cairn.control.model.NodeRecord;
import dev.cairn.control.model.Orphan;
import dev.cairn.control.model.StorageClass;
import dev.cairn.control.model.Volume;
import dev.cairn.control.state.ReplicatedState;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What a request refers to, looked up before anything is proposed: a request naming a volume,
 * node, class, agent or orphan that does not exist is answered 404 at once and never reaches the
 * log. (The command is judged again when applied, against the state it is applied to: a request
 * that raced with another is still refused there, and changes nothing.)
 */
final class References {
    /** Names an error lists at most, of the nodes it could have meant. */
    private static final int NAMES_SHOWN = 10;

    private References() {}

    static Volume volume(ReplicatedState state, String idOrName) throws IOException {
        return state.read(s -> s.volume(idOrName)).orElseThrow(() -> new ApiError(404, "no volume '" + idOrName + "'"));
    }

    /**
     * A node by id or by name: text in the canonical form of a UUID is an id, other text a name
     * (names may not look like UUIDs).
     */
    static NodeRecord node(ReplicatedState state, String idOrName) throws IOException {
        Optional<UUID> id = CanonicalId.parse(idOrName);
        NodeRecord n = state.read(s ->
                id.isPresent() ? s.nodes().get(id.get()) : s.nodeNamed(idOrName).orElse(null));
        if (n == null) {
            throw new ApiError(
                    404,
                    "no node " + (id.isPresent() ? idOrName : "'" + idOrName + "'") + " (nodes: "
                            + state.read(s -> someNames(s.nodes().values().stream()
                                    .map(NodeRecord::name)
                                    .sorted()
                                    .toList()))
                            + ")");
        }
        return n;
    }

    /** "a, b, c", the first {@value #NAMES_SHOWN} and how many more, or "none". */
    private static String someNames(List<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        String shown = String.join(", ", names.subList(0, Math.min(NAMES_SHOWN, names.size())));
        return names.size() > NAMES_SHOWN ? shown + " and " + (names.size() - NAMES_SHOWN) + " more" : shown;
    }

    static StorageClass storageClass(ReplicatedState state, String name) throws IOException {
        StorageClass sc = state.read(s -> s.classes().get(name));
        if (sc == null) {
            String known = state.read(s -> String.join(", ", s.classes().keySet()));
            throw new ApiError(404, "no storage class '" + name + "' (classes: " + known + ")");
        }
        return sc;
    }

    static void agent(ReplicatedState state, String host) throws IOException {
        if (!state.read(s -> s.agents().containsKey(host))) {
            throw new ApiError(
                    404,
                    "no agent on host '" + host + "' (agents: "
                            + state.read(s -> s.agents().isEmpty()
                                    ? "none"
                                    : String.join(", ", s.agents().keySet()))
                            + ")");
        }
    }

    static Orphan orphan(ReplicatedState state, UUID extent) throws IOException {
        Orphan o = state.read(s -> s.orphans().get(extent));
        if (o == null) {
            throw new ApiError(404, "no orphan extent " + extent);
        }
        return o;
    }

    /**
     * The volume a request has just changed, as it is now. Another request may have deleted it in
     * the meantime (the change was made and acknowledged): that is a conflict to report, not a bug.
     */
    static Views.VolumeView changedVolume(ReplicatedState state, UUID id, String done) throws IOException {
        Views.VolumeView v = state.read(s -> {
            Volume now = s.volumes().get(id);
            return now == null ? null : ViewMapper.volume(s, now);
        });
        if (v == null) {
            throw new ApiError(409, done + ", but another request deleted the volume before it could be shown");
        }
        return v;
    }

    /** A node's heartbeat: checked against this peer's copy (no read barrier for every heartbeat). */
    static void registeredNode(ReplicatedState state, UUID id) {
        if (!state.readLocal(s -> s.nodes().containsKey(id))) {
            throw new ApiError(404, "node " + id + " is not registered");
        }
    }
}
