package dev.cairn.cli;

import dev.cairn.control.api.AgentApi;
import dev.cairn.control.api.Views;
import dev.cairn.nbd.NbdAddress;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn volume attach|detach}: which host's client agent serves a volume. */
final class VolumeAttachCommands {
    private VolumeAttachCommands() {}

    /**
     * "3f2a... at /run/cairn/agent/nbd.sock (nbd+unix:///3f2a...?socket=/run/cairn/agent/nbd.sock)"; the
     * export alone until the agent reported.
     */
    static String export(Views.AttachmentView a) {
        if (a.nbdAddress().isEmpty()) {
            return a.exportName() + " (the agent has not reported its NBD address yet)";
        }
        return a.exportName() + " at " + a.nbdAddress() + " (" + NbdAddress.agentUri(a.nbdAddress(), a.exportName())
                + ")";
    }

    static void printAttachment(PrintWriter out, Views.VolumeView v) {
        Views.AttachmentView a = v.attachment().orElseThrow();
        boolean reported = !a.nbdAddress().isEmpty();
        out.printf(
                "volume:      %s%nhost:        %s%ngeneration:  %d%nexport:      %s%nnbd address: %s%nnbd uri:     %s%n",
                v.name(),
                a.host(),
                a.generation(),
                a.exportName(),
                reported ? a.nbdAddress() : "- (the agent has not reported one yet)",
                reported ? NbdAddress.agentUri(a.nbdAddress(), a.exportName()) : "-");
    }

    @Command(
            name = "attach",
            mixinStandardHelpOptions = true,
            description = "Attaches a volume to the client agent on a host, which serves it as the NBD export named"
                    + " by the volume id. Every attach gives the legs a new generation: nodes then refuse the"
                    + " connections of any agent that had it before. Attaching again to the same host (after"
                    + " an agent crash) is allowed.")
    static final class Attach extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String volume;

        @Option(
                names = "--host",
                required = true,
                paramLabel = "HOST",
                description = "The host name of an agent (cairn cluster agents).")
        String host;

        @Option(
                names = "--force",
                description = "Move the volume from the host it is attached to (the agent there is fenced).")
        boolean force;

        @Override
        public Integer call() throws Exception {
            Views.VolumeView v = client().volumes().attach(volume, new AgentApi.Attach(host, force));
            return print(v, VolumeAttachCommands::printAttachment);
        }
    }

    @Command(
            name = "detach",
            mixinStandardHelpOptions = true,
            description = "Detaches a volume; its legs get a new generation, so the agent that served it can no"
                    + " longer use them.")
    static final class Detach extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String volume;

        @Override
        public Integer call() throws Exception {
            Views.VolumeView v = client().volumes().detach(volume);
            return print(v, (out, detached) -> out.println("detached volume " + detached.name()));
        }
    }
}
