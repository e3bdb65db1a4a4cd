package dev.cairn.cli;

import dev.cairn.control.api.Sizes;
import dev.cairn.local.ClusterSpec;
import dev.cairn.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn demo}: a fresh local cluster protects a volume through a node failure (see {@link Demo}). */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Starts a local cluster of 6 nodes in 3 zones, writes checksummed data to a 3-replica volume, kills a"
                    + " node while writing, watches the volume heal on another node, restarts the killed node, reads"
                    + " every byte back and checks it. Exits 0 only if every check passed.",
            "Needs only the project's own build. Removes the cluster afterwards unless --keep."
        })
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--keep",
            description = "Leave the cluster running afterwards (stop it with cluster down --dir DIR).")
    boolean keep;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Where the demo's cluster lives (new or empty; default: a new temporary directory).")
    Optional<Path> dir = Optional.empty();

    @Option(
            names = "--size",
            defaultValue = "512MiB",
            paramLabel = "SIZE",
            description = "The volume (default ${DEFAULT-VALUE}).")
    String size;

    @Option(
            names = "--write",
            defaultValue = "320MiB",
            paramLabel = "SIZE",
            description = "Data written, a fifth of it while a node is down (default ${DEFAULT-VALUE}).")
    String write;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long volumeBytes = Sizes.parse(size, "--size");
        long writeBytes = Sizes.parse(write, "--write");
        if (writeBytes < 5L * DemoData.BLOCK || writeBytes > volumeBytes || writeBytes % DemoData.BLOCK != 0) {
            throw new IllegalArgumentException("--write must be a whole number of MiB, at least 5 MiB and at most the"
                    + " volume's --size (" + Sizes.human(volumeBytes) + "); was " + write);
        }
        long driveBytes = Math.max(1L << 30, volumeBytes + (64L << 20));
        Path d = dir.isPresent() ? dir.get().toAbsolutePath() : Files.createTempDirectory("cairn-demo-");
        // Short timeouts, so the story takes seconds: nodes and agents report every second, a node silent for
        // 4 s is offline (the demo's class replaces a missing leg after 5 s).
        LocalCluster cluster = LocalCluster.create(
                d,
                ClusterSpec.create(
                        6,
                        3,
                        driveBytes,
                        List.of("--offline-after", "4s"),
                        List.of("--heartbeat-every", "1s"),
                        List.of("--report-every", "1s")));
        out.println("Cairn demo: a volume replicated across three zones survives a node failure and heals itself.");
        Thread cleanup = new Thread(() -> quietDown(cluster));
        if (!keep) {
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        boolean passed = false;
        try {
            passed = new Demo(out, cluster, volumeBytes, writeBytes).run();
        } catch (Exception e) {
            out.println();
            out.println("FAILED: " + Main.message(e));
        } finally {
            finish(out, cluster, passed, cleanup);
        }
        out.println(passed ? "demo passed" : "demo FAILED");
        out.flush();
        return passed ? 0 : 1;
    }

    private void finish(PrintWriter out, LocalCluster cluster, boolean passed, Thread cleanup) throws IOException {
        out.println();
        if (keep) {
            out.println("The cluster keeps running (--keep):");
            ClusterLocalCommands.printEndpoints(out, cluster);
            out.println("Stop it with: bin/cairn cluster down --dir " + cluster.dir());
            return;
        }
        Runtime.getRuntime().removeShutdownHook(cleanup);
        cluster.down(line -> {});
        if (passed) {
            deleteTree(cluster.dir());
            out.println("cluster stopped and removed");
        } else {
            out.println("cluster stopped; its logs stay in " + cluster.dir());
        }
    }

    private static void quietDown(LocalCluster cluster) {
        try {
            cluster.down(line -> {});
        } catch (IOException | RuntimeException e) {
            System.err.println("cairn demo: stopping the cluster in " + cluster.dir() + ": " + e.getMessage());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
