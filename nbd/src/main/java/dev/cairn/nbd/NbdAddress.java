package dev.cairn.nbd;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where an NBD server listens, as Cairn writes it in ready files, heartbeats and REST views: {@code
 * HOST:PORT} for TCP, an absolute path for a Unix domain socket. And the URI of one export there,
 * in the form qemu, libnbd (nbdinfo, nbdcopy) and fio's nbd engine read: {@code
 * nbd://HOST:PORT/EXPORT} or {@code nbd+unix:///EXPORT?socket=PATH}.
 */
public final class NbdAddress {
    private NbdAddress() {}

    /** {@code HOST:PORT} ({@code [HOST]:PORT} for IPv6) or the socket file's path. */
    public static String text(SocketAddress address) {
        return switch (address) {
            case InetSocketAddress inet -> {
                String host = inet.getHostString();
                yield (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
            }
            case UnixDomainSocketAddress unix -> unix.getPath().toString();
            default -> throw new IllegalArgumentException("not an NBD address: " + address);
        };
    }

    /** Whether {@code address} (as {@link #text} writes it) is a Unix socket: an absolute path. */
    public static boolean isUnixSocket(String address) {
        return address.startsWith("/");
    }

    /** The address {@link #text} wrote; a host name is left unresolved. */
    public static SocketAddress parse(String address) {
        if (isUnixSocket(address)) {
            return UnixDomainSocketAddress.of(Path.of(address));
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException(
                    "NBD address '" + address + "' is neither HOST:PORT nor the absolute path of a socket");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("NBD address '" + address + "' has no port from 0 to 65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** The URI of {@code export} at {@code address} (as {@link #text} writes it). */
    public static String uri(String address, String export) {
        if (isUnixSocket(address)) {
            return "nbd+unix:///" + encode(export) + "?socket=" + encode(address);
        }
        return "nbd://" + address + "/" + encode(export);
    }

    /** The URI of {@code export} at {@code address}. */
    public static String uri(SocketAddress address, String export) {
        return uri(text(address), export);
    }

    /**
     * The URI of a volume an agent serves at {@code address}: an agent serves TCP only over TLS
     * (it refuses {@code --nbd-listen} without TLS credentials), so a TCP address gives {@code
     * nbds://HOST:PORT/VOLUME-ID}, to which a client adds its TLS parameters.
     */
    public static String agentUri(String address, String volumeId) {
        String uri = uri(address, volumeId);
        return isUnixSocket(address) ? uri : "nbds" + uri.substring("nbd".length());
    }

    /** Percent-encodes all but unreserved characters and '/'. */
    private static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~'
                    || c == '/') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
