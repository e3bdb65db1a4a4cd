package dev.cairn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn help [COMMAND...]}: the help of a command at any depth ({@code cairn help volume
 * attach} prints what {@code cairn volume attach --help} prints). Picocli's own help command looks
 * only one level down.
 */
@Command(
        name = "help",
        helpCommand = true,
        mixinStandardHelpOptions = true,
        description = "Shows the help of a command, at any depth (cairn help volume attach).")
final class HelpCommand implements Callable<Integer> {

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command and its subcommands.")
    List<String> path = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine at = spec.parent().commandLine();
        List<String> walked = new ArrayList<>(List.of(at.getCommandName()));
        for (String word : path) {
            CommandLine next = at.getSubcommands().get(word);
            if (next == null) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("cairn help: '" + String.join(" ", walked) + "' has no command '" + word + "'"
                        + (at.getSubcommands().isEmpty()
                                ? ""
                                : "; its commands are "
                                        + String.join(", ", at.getSubcommands().keySet())));
                err.flush();
                return 2;
            }
            walked.add(word);
            at = next;
        }
        PrintWriter out = spec.commandLine().getOut();
        at.usage(out, at.getColorScheme());
        out.flush();
        return 0;
    }
}
