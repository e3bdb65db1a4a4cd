package dev.cairn.control.model;

/**
 * A client agent as the controller knows it: the host it runs on (its name, the key volumes are
 * attached by), where it serves NBD, and when it last heartbeated. An agent registers itself with
 * its first heartbeat.
 */
public record AgentRecord(String host, String nbdAddress, long lastHeartbeatMillis) {

    /** Host names follow the rule of volume names. */
    public static void checkHost(String host) {
        if (host == null || !Volume.NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("host name '" + host
                    + "' must be letters, digits, '.', '_' or '-' (up to 63, not starting with a symbol)");
        }
    }
}
