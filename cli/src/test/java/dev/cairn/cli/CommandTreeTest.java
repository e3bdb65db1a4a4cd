package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A call builds only the command it runs (start-up time), and still behaves as if every command
 * were there: the same help, the same suggestions for a mistyped command.
 */
class CommandTreeTest {

    private record Ran(int code, String out, String err) {}

    private static Ran run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Ran(code, out.toString(), err.toString());
    }

    private static List<String> names(List<Class<?>> commands) {
        return commands.stream()
                .map(c -> c.getAnnotation(CommandLine.Command.class).name())
                .toList();
    }

    @Test
    void aCallBuildsOnlyTheCommandItNames() {
        assertThat(names(Main.commandsFor("volume", "list", "-o", "json"))).containsExactly("volume");
        assertThat(names(Main.commandsFor("--controller", "http://x", "node", "list")))
                .as("words that are option values do not count (--controller is not a top-level option)")
                .contains("node");
        assertThat(names(Main.commandsFor("help", "volume"))).containsExactly("volume", "help");
        assertThat(names(Main.commandsFor("--help"))).hasSize(11).contains("volume", "node", "dkv", "help");
        assertThat(names(Main.commandsFor("volum", "list"))).hasSize(11);
        assertThat(names(Main.commandsFor())).hasSize(11);
    }

    @Test
    void helpIsTheSameWhicheverWayItIsAsked() {
        Ran viaHelp = run("help", "volume");
        Ran viaOption = run("volume", "--help");
        assertThat(viaHelp.code()).isZero();
        assertThat(viaHelp.out()).isEqualTo(viaOption.out()).contains("attach", "add-replica");
        Ran top = run("--help");
        assertThat(top.out()).contains("volume", "cluster", "orphan", "controller", "help");
    }

    @Test
    void helpReachesEveryCommandAtAnyDepth() {
        List<List<String>> paths = new ArrayList<>();
        collect(fullTree(), List.of(), paths);
        assertThat(paths).contains(List.of("volume", "attach"), List.of("cluster", "up"), List.of("node", "drain"));
        for (List<String> path : paths) {
            List<String> viaHelp = new ArrayList<>(List.of("help"));
            viaHelp.addAll(path);
            List<String> viaOption = new ArrayList<>(path);
            viaOption.add("--help");
            Ran help = run(viaHelp.toArray(String[]::new));
            assertThat(help.code()).as("cairn %s", viaHelp).isZero();
            assertThat(help.out())
                    .as("cairn %s", viaHelp)
                    .isEqualTo(run(viaOption.toArray(String[]::new)).out())
                    .startsWith("Usage: cairn " + String.join(" ", path));
        }
    }

    @Test
    void helpOfACommandThatDoesNotExistSaysWhichOnesDo() {
        Ran help = run("help", "volume", "atach");
        assertThat(help.code()).isEqualTo(2);
        assertThat(help.err())
                .isEqualTo("cairn help: 'cairn volume' has no command 'atach'; its commands are create, list, show,"
                        + " delete, resize, attach, detach, add-replica, remove-replica\n");
    }

    @Test
    void aMistypedCommandIsStillMatchedAgainstEveryCommand() {
        Ran typo = run("volum", "list");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("Unmatched arguments", "volum").contains("Did you mean: cairn volume");
    }

    @Test
    void theTrainingRunCoversTheHelpOfEveryCommand() {
        List<List<String>> paths = new ArrayList<>();
        collect(fullTree(), List.of(), paths);
        List<List<String>> lines = AotTraining.commandLines("http://127.0.0.1:1", "/t");
        for (List<String> path : paths) {
            List<String> help = new ArrayList<>(path);
            help.add("--help");
            assertThat(lines).contains(help);
        }
        assertThat(lines)
                .contains(List.of(
                        "volume", "list", "--controller", "http://127.0.0.1:1", "--token-file", "/t", "-o", "json"));
    }

    private static CommandLine fullTree() {
        CommandLine all = new CommandLine(new Main());
        Main.commandsFor().forEach(all::addSubcommand);
        return all;
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            paths.add(deeper);
            collect(sub, deeper, paths);
        });
    }
}
