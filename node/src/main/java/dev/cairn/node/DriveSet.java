package dev.cairn.node;

import dev.cairn.control.api.Sizes;
import dev.cairn.drive.Drive;
import dev.cairn.drive.backend.DriveBackend;
import dev.cairn.drive.backend.FileBackend;
import dev.cairn.drive.backend.LimitedBackend;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's drives, opened together: existing ones are read, new or blank ones formatted, and the
 * node's identity settled. A drive carries the id of the node that formatted it; a node started on
 * its drives again is the same node, and a drive from another node is refused rather than adopted.
 */
final class DriveSet implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(DriveSet.class);

    private final UUID nodeId;
    private final List<Drive> drives;
    private final Map<UUID, Path> paths;

    private DriveSet(UUID nodeId, List<Drive> drives, Map<UUID, Path> paths) {
        this.nodeId = nodeId;
        this.drives = List.copyOf(drives);
        this.paths = Map.copyOf(paths);
    }

    UUID nodeId() {
        return nodeId;
    }

    List<Drive> drives() {
        return drives;
    }

    Path path(UUID driveId) {
        return paths.get(driveId);
    }

    static DriveSet open(List<DriveSpec> specs, Optional<UUID> configuredId, InstantSource clock) throws IOException {
        List<FileBackend> backends = new ArrayList<>();
        List<DriveBackend> limited = new ArrayList<>();
        List<Drive> opened = new ArrayList<>();
        List<Integer> unformatted = new ArrayList<>();
        try {
            for (int i = 0; i < specs.size(); i++) {
                FileBackend file = backend(specs.get(i));
                backends.add(file);
                long limit = specs.get(i).bytesPerSecond();
                DriveBackend backend = limit > 0 ? new LimitedBackend(file, limit) : file;
                if (limit > 0) {
                    log.info("drive {}: at most {} per second", specs.get(i).path(), Sizes.human(limit));
                }
                limited.add(backend);
                Optional<Drive> drive = Drive.open(backend, clock);
                if (drive.isPresent()) {
                    opened.add(drive.get());
                } else if (specs.get(i).format() || Drive.isBlank(backend)) {
                    unformatted.add(i);
                } else {
                    throw new IOException(specs.get(i).path() + " holds data that is not a Cairn drive; add ',format'"
                            + " to the drive argument to format it (this erases it)");
                }
            }
            UUID nodeId = settleNodeId(opened, configuredId, specs);
            for (int i : unformatted) {
                opened.add(Drive.format(limited.get(i), UUID.randomUUID(), nodeId, clock));
            }
            return new DriveSet(nodeId, opened, pathsById(opened, backends));
        } catch (IOException | RuntimeException e) {
            for (FileBackend b : backends) {
                try {
                    b.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static FileBackend backend(DriveSpec spec) throws IOException {
        if (Files.exists(spec.path())) {
            return FileBackend.open(spec.path());
        }
        if (spec.sizeBytes().isEmpty()) {
            throw new IOException("drive " + spec.path() + " does not exist; add ',size=SIZE' to create it");
        }
        Path parent = spec.path().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        log.info(
                "creating drive file {} of {}",
                spec.path(),
                Sizes.human(spec.sizeBytes().getAsLong()));
        return FileBackend.create(spec.path(), spec.sizeBytes().getAsLong());
    }

    private static UUID settleNodeId(List<Drive> opened, Optional<UUID> configured, List<DriveSpec> specs)
            throws IOException {
        Set<UUID> found = new HashSet<>();
        for (Drive d : opened) {
            found.add(d.label().nodeId());
        }
        if (configured.isPresent()) {
            for (Drive d : opened) {
                if (!d.label().nodeId().equals(configured.get())) {
                    throw new IOException("drive " + d.describe() + " belongs to node "
                            + d.label().nodeId() + ", not to this node " + configured.get());
                }
            }
            return configured.get();
        }
        if (found.size() > 1) {
            throw new IOException("the drives belong to different nodes " + found + "; a node only opens its own");
        }
        if (found.isEmpty()) {
            UUID fresh = UUID.randomUUID();
            log.info("no formatted drive among {}: this is a new node, {}", specs.size(), fresh);
            return fresh;
        }
        return found.iterator().next();
    }

    private static Map<UUID, Path> pathsById(List<Drive> drives, List<FileBackend> backends) throws IOException {
        Map<UUID, Path> byId = new HashMap<>();
        Map<String, Path> byDescription = new HashMap<>();
        backends.forEach(b -> byDescription.put(b.describe(), b.path()));
        for (Drive d : drives) {
            Path previous = byId.put(d.id(), byDescription.get(d.describe()));
            if (previous != null) {
                throw new IOException("drive id " + d.id() + " appears twice (" + previous + " and "
                        + byDescription.get(d.describe()) + "): one is a copy of the other");
            }
        }
        return byId;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Drive d : drives) {
            try {
                d.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
