package dev.cairn.cli;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn volume create|list|show|delete|resize|attach|detach|add-replica|remove-replica}. */
@Command(
        name = "volume",
        mixinStandardHelpOptions = true,
        description = "Volumes: block devices with a size and a storage class, made of legs on nodes.",
        subcommands = {
            VolumeCommand.Create.class,
            VolumeCommand.ListVolumes.class,
            VolumeCommand.Show.class,
            VolumeCommand.Delete.class,
            VolumeResizeCommand.class,
            VolumeAttachCommands.Attach.class,
            VolumeAttachCommands.Detach.class,
            VolumeReplicaCommands.AddReplica.class,
            VolumeReplicaCommands.RemoveReplica.class
        })
final class VolumeCommand {

    /** The volumes by name; with {@code wide}, their ids too. */
    static void printList(PrintWriter out, List<Views.VolumeView> volumes, boolean wide) {
        Table t = new Table("NAME", "SIZE", "CLASS", "STATE", "HEALTH", "LEGS", "ATTACHED").wide(wide, "ID");
        volumes.stream()
                .sorted(Comparator.comparing(Views.VolumeView::name, Table.NATURAL))
                .forEach(v -> t.row(
                        v.name(),
                        Sizes.human(v.sizeBytes()),
                        v.className(),
                        v.state(),
                        v.health(),
                        legSummary(v),
                        v.attachment().map(Views.AttachmentView::host).orElse("-"),
                        v.id()));
        t.printOr(out, "no volumes: make one with cairn volume create NAME --size SIZE");
    }

    /** "2/3 ready", or "4+2, 3 PStores" for an erasure-coded volume. */
    private static String legSummary(Views.VolumeView v) {
        if (v.erasure().isPresent()) {
            Views.ErasureView e = v.erasure().get();
            return e.code() + ", " + e.pstores() + (e.pstores() == 1 ? " PStore" : " PStores");
        }
        long ready =
                v.legs().stream().filter(l -> l.state() == Views.LegState.READY).count();
        return ready + "/" + v.legs().size() + " ready";
    }

    /** A volume, its health and its legs; with {@code wide}, the legs' node and drive ids too. */
    static void printOne(PrintWriter out, Views.VolumeView v, boolean wide) {
        out.printf(
                "name:     %s%nid:       %s%nsize:     %s (%d bytes)%nclass:    %s%nstate:    %s%ncreated:  %s%n",
                v.name(), v.id(), Sizes.human(v.sizeBytes()), v.sizeBytes(), v.className(), v.state(), v.createdAt());
        v.growing()
                .ifPresent(g -> out.printf(
                        "growing:  to %s (%d bytes)%s%n",
                        Sizes.human(g.toBytes()),
                        g.toBytes(),
                        g.waiting().isEmpty() ? "" : "; waiting for " + String.join("; ", g.waiting())));
        printHealth(out, v);
        out.printf(
                "attached: %s%n", v.attachment().map(VolumeCommand::attachment).orElse("-"));
        v.attachment().ifPresent(a -> out.printf("export:   %s%n", VolumeAttachCommands.export(a)));
        v.resync().ifPresent(r -> out.printf("resync:   %s%n", resync(r)));
        out.println();
        if (v.erasure().isPresent()) {
            printPStores(out, v.erasure().get(), wide);
            return;
        }
        Table legs = new Table("LEG", "STATE", "SYNC", "SYNCED", "NODE", "LABELS", "EXTENT", "GENERATION")
                .wide(wide, "NODE ID", "DRIVE ID");
        for (Views.LegView l : v.legs()) {
            legs.row(
                    l.index(),
                    l.state(),
                    l.sync().map(Enum::name).orElse("-"),
                    l.synced() ? "yes" : "no",
                    l.nodeName(),
                    labels(l.nodeLabels()),
                    l.extentId(),
                    l.generation(),
                    l.nodeId(),
                    l.driveId());
        }
        legs.print(out);
        for (Views.LegView l : v.legs()) {
            l.syncError()
                    .ifPresent(e -> out.printf(
                            "leg %d %s: %s%n",
                            l.index(), l.sync().map(Enum::name).orElse("failed"), e));
            l.missing()
                    .ifPresent(why -> out.printf(
                            "leg %d missing since %s: %s%n",
                            l.index(), l.missingSince().map(Instant::toString).orElse("?"), why));
            l.replacedBy()
                    .ifPresent(next -> out.printf(
                            "leg %d replaced by %s%s%n",
                            l.index(),
                            legNamed(v, next),
                            l.kept() ? " (kept until that one is in sync, taken back if it catches up first)" : ""));
        }
    }

    /** An erasure-coded volume's code and, per PStore, where each BStore is. */
    private static void printPStores(PrintWriter out, Views.ErasureView e, boolean wide) {
        out.printf(
                "erasure:  %s, %d PStore%s of %s, chunks of %s%n",
                e.code(),
                e.pstores(),
                e.pstores() == 1 ? "" : "s",
                Sizes.human(e.pstoreBytes()),
                Sizes.human(e.chunkBytes()));
        Table t = new Table("PSTORE", "BSTORE", "ROLE", "NODE", "NODE STATE", "SIZE", "EXTENT").wide(wide, "NODE ID");
        for (Views.PStoreView p : e.layouts()) {
            for (Views.BStoreView b : p.bstores()) {
                t.row(
                        p.index(),
                        b.member(),
                        b.role(),
                        b.nodeName(),
                        b.nodeState(),
                        Sizes.human(b.sizeBytes()),
                        b.extentId(),
                        b.nodeId());
            }
        }
        t.print(out);
    }

    /** "health:   DEGRADED" and one "problem:" line per problem the controller sees. */
    static void printHealth(PrintWriter out, Views.VolumeView v) {
        out.printf("health:   %s%n", v.health());
        v.problems().forEach(p -> out.printf("problem:  %s%n", p));
    }

    /** "leg 3 (extent 5e1c...)", or the extent alone when the volume no longer lists it. */
    private static String legNamed(Views.VolumeView v, UUID extentId) {
        return v.legs().stream()
                .filter(l -> l.extentId().equals(extentId))
                .findFirst()
                .map(l -> "leg " + l.index() + " (extent " + extentId + ")")
                .orElse("extent " + extentId);
    }

    /** "host h1 since 2026-01-01T00:00:05Z, generation 2" */
    private static String attachment(Views.AttachmentView a) {
        return "host " + a.host() + " since " + a.since() + ", generation " + a.generation();
    }

    /** "1.0 MiB of 4.0 MiB (25%) at 976.6 KiB/s; 2.0 MiB copied since attached" */
    static String resync(AgentApi.ResyncReport r) {
        String copied = Sizes.human(r.copiedBytes()) + " copied since attached";
        if (r.totalBytes() == 0) {
            return "none running; " + copied;
        }
        return Sizes.human(r.doneBytes()) + " of " + Sizes.human(r.totalBytes()) + " ("
                + r.doneBytes() * 100 / r.totalBytes() + "%) at " + Sizes.human(r.bytesPerSecond()) + "/s; "
                + copied;
    }

    static String labels(Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(labels)
                .forEach((k, v) ->
                        b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return b.isEmpty() ? "-" : b.toString();
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Creates a volume and waits until every leg exists (unless --no-wait).")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(
                names = "--size",
                required = true,
                paramLabel = "SIZE",
                description = "e.g. 10GiB, a multiple of 4KiB (" + Sizes.UNITS + ").")
        String size;

        @Option(
                names = "--class",
                required = true,
                paramLabel = "CLASS",
                description = "A storage class (cairn class list).")
        String className;

        @Option(names = "--no-wait", description = "Return once the legs are placed, before the nodes made them.")
        boolean noWait;

        @Option(
                names = "--timeout",
                defaultValue = "2m",
                paramLabel = "DURATION",
                description = "How long to wait for the volume to become available (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() throws Exception {
            Duration wait = Durations.parse(timeout, "--timeout");
            ControlClient client = client();
            Views.VolumeView v =
                    client.volumes().create(new Requests.CreateVolume(name, Sizes.parse(size, "--size"), className));
            if (!noWait) {
                v = awaitAvailable(client, v, wait);
            }
            return print(v, (out, shown) -> printOne(out, shown, options.wide));
        }

        private static Views.VolumeView awaitAvailable(ControlClient client, Views.VolumeView v, Duration wait)
                throws IOException, InterruptedException {
            Views.VolumeView[] last = {v};
            boolean available = Wait.real().until(wait, () -> {
                if (last[0].state() != Views.VolumeState.AVAILABLE) {
                    last[0] = client.volumes().get(last[0].id());
                }
                return last[0].state() == Views.VolumeState.AVAILABLE;
            });
            if (!available) {
                Views.VolumeView still = last[0];
                throw new IOException("volume " + still.name() + " was created but is still " + still.state()
                        + " after " + wait.toSeconds() + " s (" + legSummary(still) + "); see cairn volume show "
                        + still.name());
            }
            return last[0];
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the volumes.")
    static final class ListVolumes extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(c -> c.volumes().list(), (out, list) -> printList(out, list, options.wide));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows a volume and its legs.")
    static final class Show extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String volume;

        @Override
        public Integer call() throws Exception {
            return show(c -> c.volumes().get(volume), (out, v) -> printOne(out, v, options.wide));
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Deletes a volume; its nodes erase and free its legs.")
    static final class Delete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String volume;

        @Override
        public Integer call() throws Exception {
            client().volumes().delete(volume);
            return done("deleted volume " + volume);
        }
    }
}
