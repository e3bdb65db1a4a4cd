package dev.cairn.cli;

import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.dkv.ControlledDkv;
import dev.cairn.dkv.DkvClient;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn dkv status|reserve|get|put|delete|scan}: the DKV, for operators (admin token). */
@Command(
        name = "dkv",
        mixinStandardHelpOptions = true,
        description = "The DKV: the cluster's sharded, mirrored key-value store for layout metadata. get, put, delete"
                + " and scan read and write it directly over NBD, with the admin token.",
        subcommands = {
            DkvCommand.Status.class,
            DkvCommand.Reserve.class,
            DkvCommand.Get.class,
            DkvCommand.Put.class,
            DkvCommand.Delete.class,
            DkvCommand.Scan.class
        })
final class DkvCommand {
    /** The longest one DKV operation may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static void printStatus(PrintWriter out, Views.DkvView d) {
        long recovering =
                d.shards().stream().filter(Views.DkvShardView::recovering).count();
        long capacity = d.endKey() - d.firstKey();
        out.printf(
                "epoch %d, %d shard%s of %d keys, keys %d to %d, %d reserved (%d%% full), %d shard%s recovering%n",
                d.epoch(),
                d.shards().size(),
                d.shards().size() == 1 ? "" : "s",
                d.slotsPerShard(),
                d.firstKey(),
                d.endKey() - 1,
                d.reservedKeys(),
                capacity == 0 ? 0 : d.reservedKeys() * 100 / capacity,
                recovering,
                recovering == 1 ? "" : "s");
        Table t = new Table("SHARD", "MIRROR", "NODE", "STATE", "READY", "EPOCH", "SIZE");
        for (Views.DkvShardView s : d.shards()) {
            for (Views.DkvMirrorView m : s.mirrors()) {
                row(t, d, s, m, m.ready() ? "yes" : "recovering");
            }
            for (Views.DkvMirrorView m : s.retired()) {
                row(t, d, s, m, "retired (kept until recovered)");
            }
        }
        t.printOr(out, "no shards yet: the first is placed once the cluster has the nodes and room for its mirrors");
    }

    private static void row(Table t, Views.DkvView d, Views.DkvShardView s, Views.DkvMirrorView m, String ready) {
        t.row(
                s.index(),
                m.extentId(),
                m.node(),
                m.nodeState(),
                ready,
                m.reportedEpoch() < 0 ? "-" : m.reportedEpoch(),
                Sizes.human(d.slotsPerShard() * 4096));
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Shows the shards, their mirrors, the epoch.")
    static final class Status extends ClientCommand {
        @Override
        public Integer call() throws Exception {
            return show(c -> c.dkv().status(), DkvCommand::printStatus);
        }
    }

    @Command(
            name = "reserve",
            mixinStandardHelpOptions = true,
            description = "Reserves room for N more keys: adds shards (and their KV volumes) as needed, and waits"
                    + " until they are usable.")
    static final class Reserve extends ClientCommand {
        @Parameters(index = "0", paramLabel = "N", description = "How many keys (1 to 1048576).")
        long keys;

        @Override
        public Integer call() throws Exception {
            Views.DkvReservation r = client().dkv().reserve(keys, Duration.ofMinutes(1));
            if (options.json()) {
                return print(r, (out, x) -> {});
            }
            return done("keys " + r.firstKey() + " to " + (r.firstKey() + r.keys() - 1) + " reserved"
                    + (r.usable() ? "" : " (their shards are not usable yet: see cairn dkv status)"));
        }
    }

    /** A command that uses the DKV itself. */
    abstract static class DkvClientCommand extends ClientCommand {
        <T> T run(Function<DkvClient, CompletableFuture<T>> op) throws IOException {
            var control = client();
            try (ControlledDkv dkv =
                    new ControlledDkv(() -> control.dkv().layout(), new SecureRandom().nextLong(), TIMEOUT)) {
                return op.apply(dkv.client()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (TimeoutException e) {
                throw new IOException("the DKV did not answer within " + TIMEOUT.toSeconds() + " s");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                while (cause instanceof CompletionException && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new IOException(String.valueOf(cause.getMessage()), cause);
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints the value of KEY (as text).")
    static final class Get extends DkvClientCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        long key;

        @Override
        public Integer call() throws Exception {
            Optional<byte[]> v = run(c -> c.get(key));
            if (v.isEmpty()) {
                spec.commandLine().getErr().println("key " + key + " has no value");
                return 1;
            }
            return done(new String(v.get(), StandardCharsets.UTF_8));
        }
    }

    @Command(
            name = "put",
            mixinStandardHelpOptions = true,
            description = "Sets KEY to VALUE (text, at most 4056 bytes).")
    static final class Put extends DkvClientCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        long key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call() throws Exception {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            run(c -> c.put(key, ByteBuffer.wrap(bytes)));
            return done("key " + key + " set (" + bytes.length + " bytes)");
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes the value of KEY.")
    static final class Delete extends DkvClientCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        long key;

        @Override
        public Integer call() throws Exception {
            run(c -> c.delete(key));
            return done("key " + key + " deleted");
        }
    }

    @Command(
            name = "scan",
            mixinStandardHelpOptions = true,
            description = "Lists the keys from FROM to TO (excluded) that have a value.")
    static final class Scan extends DkvClientCommand {
        @Parameters(index = "0", paramLabel = "FROM")
        long from;

        @Parameters(index = "1", paramLabel = "TO")
        long to;

        @Option(names = "--limit", description = "At most this many keys (default ${DEFAULT-VALUE}).")
        int limit = 1000;

        @Override
        public Integer call() throws Exception {
            SortedMap<Long, byte[]> found = run(c -> c.scan(from, to, limit));
            Table t = new Table("KEY", "BYTES", "VALUE");
            for (Map.Entry<Long, byte[]> e : found.entrySet()) {
                String text = new String(e.getValue(), StandardCharsets.UTF_8);
                t.row(e.getKey(), e.getValue().length, text.length() > 60 ? text.substring(0, 60) + "..." : text);
            }
            t.printOr(out(), "no key from " + from + " to " + to + " has a value");
            return 0;
        }
    }

    private DkvCommand() {}
}
