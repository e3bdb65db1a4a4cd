package dev.cairn.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command lines ({@code bin/cairn} arguments) of the three daemons, as the local cluster and the
 * system tests start them: every address on loopback, a ready file to learn the ports from. Callers
 * append what else they need.
 */
public final class DaemonArgs {
    private DaemonArgs() {}

    /** A controller peer keeping its state in {@code data}, its REST API on {@code listen}. */
    public static List<String> controller(Path data, String listen, Path ready) {
        return new ArrayList<>(
                List.of("controller", "--data", data.toString(), "--listen", listen, "--ready-file", ready.toString()));
    }

    /** Adds the token files of every role, kept in {@code tokens} as ROLE.token. */
    public static List<String> controllerTokens(Path tokens) {
        List<String> args = new ArrayList<>();
        for (String role : List.of("admin", "read", "node")) {
            args.add("--" + role + "-token-file");
            args.add(tokens.resolve(role + ".token").toString());
        }
        return args;
    }

    /**
     * A storage node with the given {@code --drive} arguments and labels, NBD and admin API
     * addresses, keeping what is its own (its admin token) in {@code data}.
     */
    public static List<String> node(
            List<String> drives, Map<String, String> labels, String nbd, String admin, Path data, Path ready) {
        List<String> args = new ArrayList<>(List.of(
                "node", "--nbd", nbd, "--admin", admin, "--data", data.toString(), "--ready-file", ready.toString()));
        drives.forEach(d -> args.addAll(List.of("--drive", d)));
        labels.forEach((k, v) -> args.addAll(List.of("--label", k + "=" + v)));
        return args;
    }

    /** Joins a node or an agent to the controller at {@code urls} with the node token in {@code tokenFile}. */
    public static List<String> controllerLink(String urls, Path tokenFile) {
        return new ArrayList<>(List.of("--controller", urls, "--controller-token-file", tokenFile.toString()));
    }

    /**
     * A client agent registered as {@code host}, serving the volumes on the Unix socket {@code
     * nbdSocket} (owner-only) and metrics on {@code metrics}.
     */
    public static List<String> agent(String host, Path nbdSocket, String metrics, Path ready) {
        return new ArrayList<>(List.of(
                "agent",
                "--host",
                host,
                "--nbd-socket",
                nbdSocket.toString(),
                "--metrics",
                metrics,
                "--ready-file",
                ready.toString()));
    }
}
