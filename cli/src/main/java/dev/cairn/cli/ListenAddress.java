package dev.cairn.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * An address a daemon listens on, checked before anything starts: a port another process holds
 * fails at once, in one line that names the port and the option that sets it, instead of deep in
 * a server's start-up (Ratis retries its bind for half a minute).
 */
final class ListenAddress {
    private ListenAddress() {}

    /** {@code HOST:PORT} given to {@code option}, free to listen on now (port 0: any free port). */
    static InetSocketAddress parse(String text, String option) {
        InetSocketAddress address = NodeCommand.address(text, option);
        check(address, option, option + " HOST:PORT");
        return address;
    }

    /**
     * Refuses {@code address}, given to {@code option}, if nothing may listen there now; {@code
     * setting} says how to give another ({@code --raft HOST:PORT}).
     */
    static void check(InetSocketAddress address, String option, String setting) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(
                    option + " " + address.getHostString() + ":" + address.getPort() + ": unknown host");
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the servers bind: a port left in TIME_WAIT is free
            probe.bind(address);
        } catch (BindException e) {
            throw new IllegalArgumentException("port " + address.getPort() + " on " + address.getHostString()
                    + " is in use (" + option + "): stop what listens there, or choose another with " + setting
                    + " (port 0 picks a free one)");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + address.getHostString() + ":" + address.getPort()
                    + ": cannot listen there: " + e.getMessage());
        }
    }

    /** A port free now on {@code host}, for a listener that must know its port before it starts. */
    static int freePort(String host, String option) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, 0));
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + host + ":0: cannot listen there: " + e.getMessage());
        }
    }
}
