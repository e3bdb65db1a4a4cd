package dev.cairn.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn}: every daemon and command of Cairn, behind one launcher ({@code bin/cairn}). */
@Command(
        name = "cairn",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Cairn: distributed block storage.")
public final class Main {
    /** The top-level commands, in the order help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(
            DemoCommand.class,
            ControllerCommand.class,
            NodeCommand.class,
            AgentCommand.class,
            ClassCommand.class,
            VolumeCommand.class,
            ClusterCommand.class,
            OrphanCommand.class,
            DkvCommand.class,
            RebalanceCommand.class,
            HelpCommand.class);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; the exit code. */
    public static int run(String... args) {
        return run(
                new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8),
                args);
    }

    /** Runs a command line printing to the given writers; the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Caller caller = Caller.thisProcess();
        return caller.call(() -> execute(caller, false, out, err, args));
    }

    /**
     * Runs a command line for {@code caller} of the resident JVM (its environment, directory and
     * terminal), printing to the given writers; the exit code.
     */
    static int run(Caller caller, PrintWriter out, PrintWriter err, String... args) {
        return caller.call(() -> execute(caller, true, out, err, args));
    }

    private static int execute(Caller caller, boolean resident, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> command : commandsFor(args)) {
            cli.addSubcommand(command);
        }
        cli.setOut(out).setErr(err);
        if (resident) {
            // After the subcommands: picocli gives a converter to the commands it already has.
            cli.registerConverter(Path.class, caller::path);
            // Picocli's own terminal check sees the resident JVM's, not the caller's.
            boolean ansi = caller.terminal() && caller.variable("NO_COLOR").isEmpty();
            cli.setColorScheme(
                    CommandLine.Help.defaultColorScheme(ansi ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message(e));
            if (caller.variable("CAIRN_DEBUG").isPresent()) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        try {
            return cli.execute(args);
        } finally {
            closeClients(cli);
        }
    }

    /**
     * The top-level commands a command line needs: the one it names (and {@code help} with the one
     * it asks about), else all of them. Picocli reads every command's options when it is added, so
     * adding only the one that runs keeps a call from loading the classes of all the others.
     */
    static List<Class<?>> commandsFor(String... args) {
        List<String> words =
                Arrays.stream(args).filter(a -> !a.startsWith("-")).limit(2).toList();
        Optional<Class<?>> named = words.isEmpty() ? Optional.empty() : command(words.getFirst());
        if (named.isEmpty()) {
            return COMMANDS;
        }
        if (named.get() != HelpCommand.class) {
            return List.of(named.get());
        }
        Optional<Class<?>> about = words.size() < 2 ? Optional.empty() : command(words.get(1));
        return about.isEmpty()
                ? COMMANDS
                : Stream.of(about.get(), HelpCommand.class).distinct().toList();
    }

    private static Optional<Class<?>> command(String name) {
        return COMMANDS.stream()
                .filter(c -> c.getAnnotation(Command.class).name().equals(name))
                .findFirst();
    }

    /** Closes the controller clients the commands that ran made. */
    private static void closeClients(CommandLine cli) {
        CommandLine.ParseResult parsed = cli.getParseResult();
        if (parsed == null) {
            return;
        }
        for (CommandLine ran : parsed.asCommandLineList()) {
            if (ran.getCommand() instanceof ClientCommand command) {
                command.closeClient();
            }
        }
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }

    /** Version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"cairn " + (v == null ? "development" : v)};
        }
    }
}
