package dev.cairn.cli;

import dev.cairn.control.api.ControlClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the controller's REST API and prints a table or JSON. */
abstract class ClientCommand implements Callable<Integer> {
    @Mixin
    ClientOptions options;

    @Spec
    CommandSpec spec;

    private ControlClient client;

    ControlClient client() throws IOException {
        if (client == null) {
            client = options.client();
        }
        return client;
    }

    /** Closes the controller client, if the command made one (see {@link ControlClient#close}). */
    void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Something asked of the controller. */
    @FunctionalInterface
    interface Query<T> {
        T ask(ControlClient control) throws IOException;
    }

    /** Asks the controller and prints the answer, as JSON or through {@code table}. */
    <T> int show(Query<T> query, BiConsumer<PrintWriter, T> table) throws IOException {
        return print(query.ask(client()), table);
    }

    /** Prints a value the API returned, as JSON or through {@code table}. */
    <T> int print(T value, BiConsumer<PrintWriter, T> table) throws IOException {
        if (options.json()) {
            ClientOptions.printJson(out(), value);
        } else {
            table.accept(out(), value);
            out().flush();
        }
        return 0;
    }

    /** Prints one line saying what was done. */
    int done(String what) {
        out().println(what);
        out().flush();
        return 0;
    }
}
