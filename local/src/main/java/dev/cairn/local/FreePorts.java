package dev.cairn.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports chosen free at run time, on loopback: for the local cluster's daemons and for every test.
 * A port is free when asked; another process may take it before it is bound, which on loopback in
 * a test run is rare enough that a daemon failing to bind says so and the run is repeated.
 */
public final class FreePorts {
    private FreePorts() {}

    /** A TCP port that was free on 127.0.0.1 a moment ago. */
    public static int next() {
        return distinct(1)[0];
    }

    /** {@code count} distinct ports free on loopback now, all held open until every one is chosen. */
    public static int[] distinct(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                s.setReuseAddress(true);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports on loopback: " + e.getMessage(), e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing a listening socket that accepted nothing; nothing to lose
                }
            }
        }
    }
}
