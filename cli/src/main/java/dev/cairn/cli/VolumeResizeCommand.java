package dev.cairn.cli;

import dev.cairn.control.api.ControlClient;
import dev.cairn.control.api.Requests;
import dev.cairn.control.api.Sizes;
import dev.cairn.control.api.Views;
import dev.cairn.control.api.Wait;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn volume resize NAME --size SIZE}: grows a volume, waiting until it has the new size. */
@Command(
        name = "resize",
        mixinStandardHelpOptions = true,
        description = "Grows a volume: each leg's node grows its extent in place (its data never moves), or,"
                + " erasure-coded, the last PStore's BStores grow in place and the PStores the new size adds"
                + " are placed as a new volume's; the volume has the new size once every node has made its"
                + " part, and the agent serving it grows its export (NBD clients see the new size when they"
                + " connect again). A volume never shrinks. Waits for the new size unless --no-wait.")
final class VolumeResizeCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME|ID")
    String volume;

    @Option(
            names = "--size",
            required = true,
            paramLabel = "SIZE",
            description = "The new size, e.g. 20GiB, a multiple of 4KiB (" + Sizes.UNITS + ").")
    String size;

    @Option(names = "--no-wait", description = "Return once the growth is asked for, before the nodes did it.")
    boolean noWait;

    @Option(
            names = "--timeout",
            defaultValue = "2m",
            paramLabel = "DURATION",
            description = "How long to wait for the new size (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        Duration wait = Durations.parse(timeout, "--timeout");
        long bytes = Sizes.parse(size, "--size");
        ControlClient client = client();
        Views.VolumeView v = client.volumes().resize(volume, new Requests.ResizeVolume(bytes));
        if (!noWait && v.sizeBytes() != bytes) {
            Views.VolumeView[] last = {v};
            boolean grown = Wait.real().until(wait, () -> {
                last[0] = client.volumes().get(last[0].id());
                return last[0].sizeBytes() == bytes;
            });
            if (!grown) {
                throw new IOException("volume " + v.name() + " is still " + Sizes.human(last[0].sizeBytes()) + " after "
                        + wait.toSeconds() + " s: a node has not grown or made its part yet (cairn volume show "
                        + v.name() + " says which; cairn node list shows the nodes' errors)");
            }
            v = last[0];
        }
        return print(
                v,
                (out, shown) -> out.printf(
                        "volume %s is %s%s%n",
                        shown.name(),
                        Sizes.human(shown.sizeBytes()),
                        shown.sizeBytes() == bytes ? "" : " (growing to " + Sizes.human(bytes) + ")"));
    }
}
