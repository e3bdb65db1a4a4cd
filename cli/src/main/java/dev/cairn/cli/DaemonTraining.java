package dev.cairn.cli;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.ReadyFile;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import dev.cairn.local.DaemonArgs;
import dev.cairn.nbd.client.NbdClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The training run {@code bin/cairn} makes once after a build to write the daemons' ahead-of-time
 * cache ({@code -XX:AOTCacheOutput}), as {@link AotTraining} does for CLI calls. In this one JVM it
 * runs a controller, a storage node and a client agent through their real commands, each on its own
 * thread, on loopback ports and Unix sockets picked at run time under {@code DIR} (its only
 * argument, which the caller removes afterwards). It then creates, attaches, writes, reads back,
 * detaches and deletes a volume through the typed client and an NBD client, and exits through
 * {@link System#exit}, so that the daemons' shutdown hooks run too. Every class those steps load and
 * link goes into the cache, and a daemon started later maps them instead of loading each from the
 * jars (a controller took 3.3 s of CPU to be ready without the cache, 2.0 s with it).
 *
 * <p>A step that fails makes the run exit with 1 and no cache is kept (bin/cairn then says so once
 * and runs the daemons without one).
 */
public final class DaemonTraining {
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final String HOST = "training";
    private static final int BLOCK = 64 * 1024;

    private DaemonTraining() {}

    public static void main(String[] args) {
        int code = 1;
        try {
            if (args.length != 1) {
                throw new IllegalArgumentException("usage: DaemonTraining DIR");
            }
            train(Path.of(args[0]));
            code = 0;
        } catch (Exception e) {
            e.printStackTrace(System.err);
        }
        System.exit(code);
    }

    private static void train(Path dir) throws IOException, InterruptedException {
        Path controllerReady = dir.resolve("controller.ready");
        List<String> controller = DaemonArgs.controller(dir.resolve("controller"), "127.0.0.1:0", controllerReady);
        controller.addAll(List.of("--raft", "127.0.0.1:0"));
        run(controller);
        String url = await(controllerReady, ReadyFile.Controller.class).rest();
        Path tokens = dir.resolve("controller").resolve("tokens");

        Path nodeReady = dir.resolve("node.ready");
        List<String> node = DaemonArgs.node(
                List.of(dir.resolve("drive.img") + ",size=" + (256L << 20)),
                Map.of("zone", "a"),
                "127.0.0.1:0",
                "127.0.0.1:0",
                dir.resolve("node"),
                nodeReady);
        node.addAll(DaemonArgs.controllerLink(url, tokens.resolve("node.token")));
        run(node);
        await(nodeReady, ReadyFile.Node.class);

        Path agentReady = dir.resolve("agent.ready");
        Path socket = dir.resolve("agent.sock");
        List<String> agent = DaemonArgs.agent(HOST, socket, "127.0.0.1:0", agentReady);
        agent.addAll(DaemonArgs.controllerLink(url, tokens.resolve("node.token")));
        run(agent);
        await(agentReady, ReadyFile.Agent.class);

        ControlClient api = new ControlClient(
                List.of(URI.create(url)),
                Optional.of(Files.readString(tokens.resolve("admin.token"), StandardCharsets.UTF_8)
                        .strip()),
                STEP);
        api.classes().create(new Requests.CreateClass("training-1", 1, "zone", null, null, null));
        UUID id = api.volumes()
                .create(new Requests.CreateVolume("training", 64L << 20, "training-1"))
                .id();
        awaitState(api, id, Views.VolumeState.AVAILABLE);
        api.volumes().attach(id.toString(), new AgentApi.Attach(HOST, false));
        writeAndReadBack(socket, id.toString());
        api.volumes().detach(id.toString());
        awaitState(api, id, Views.VolumeState.AVAILABLE);
        api.volumes().delete(id.toString());
    }

    /** Runs a daemon's command on a thread of its own; it serves until the JVM exits. */
    private static void run(List<String> command) {
        PrintWriter discard = new PrintWriter(Writer.nullWriter());
        Thread.ofPlatform()
                .daemon()
                .name("training-" + command.getFirst())
                .start(() -> Main.run(discard, discard, command.toArray(String[]::new)));
    }

    private static <T extends ReadyFile> T await(Path ready, Class<T> kind) throws IOException, InterruptedException {
        return Wait.real()
                .forAnswer(
                        STEP, () -> Files.exists(ready) ? Optional.of(ReadyFile.read(ready, kind)) : Optional.empty())
                .orElseThrow(() -> new IOException("no " + kind.getSimpleName() + " wrote " + ready + " in " + STEP));
    }

    private static void awaitState(ControlClient api, UUID id, Views.VolumeState state)
            throws IOException, InterruptedException {
        if (!Wait.real().until(STEP, () -> api.volumes().get(id.toString()).state() == state)) {
            throw new IOException("volume " + id + " did not become " + state + " in " + STEP);
        }
    }

    private static void writeAndReadBack(Path socket, String export) throws IOException, InterruptedException {
        NbdClient nbd = Demo.connect(socket, export);
        try (nbd) {
            List<ByteBuffer> written = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                ByteBuffer b = ByteBuffer.allocate(BLOCK);
                while (b.hasRemaining()) {
                    b.putInt(i * 31 + b.position());
                }
                written.add(b.flip());
                nbd.write((long) i * BLOCK, b.duplicate(), i % 8 == 0).join();
            }
            nbd.flush().join();
            for (int i = 0; i < written.size(); i++) {
                if (!nbd.read((long) i * BLOCK, BLOCK).join().equals(written.get(i))) {
                    throw new IOException("block " + i + " read back differs from what was written");
                }
            }
        }
    }
}
