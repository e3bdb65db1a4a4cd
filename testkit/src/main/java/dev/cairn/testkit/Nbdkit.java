package dev.cairn.testkit;

import static org.awaitility.Awaitility.await;

import dev.cairn.local.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * nbdkit, the NBD server tests hold Cairn's client up against, on a free loopback port: started
 * in the foreground (gone with the test's JVM) and ready once it accepts a connection.
 */
public final class Nbdkit implements AutoCloseable {
    private final Process process;
    private final InetSocketAddress address;

    private Nbdkit(Process process, InetSocketAddress address) {
        this.process = process;
        this.address = address;
    }

    /**
     * Starts {@code nbdkit OPTIONS... PLUGIN-ARGS...}, for example {@code start(List.of("--tls=require",
     * "--tls-psk", file), "memory", "64M")}; the test needs the nbdkit package.
     */
    public static Nbdkit start(List<String> options, String... plugin) throws IOException {
        Tool.require("nbdkit", "nbdkit");
        int port = FreePorts.next();
        List<String> command = new ArrayList<>(List.of(
                "nbdkit", "--foreground", "--exit-with-parent", "-i", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(options);
        command.addAll(List.of(plugin));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(Path.of("/dev/null").toFile())
                .start();
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        await().ignoreExceptions().until(() -> {
            try (Socket s = new Socket(address.getAddress(), port)) {
                return s.isConnected();
            }
        });
        return new Nbdkit(process, address);
    }

    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
