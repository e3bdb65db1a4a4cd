package dev.cairn.control.state;

import java.security.SecureRandom;
import java.util.HexFormat;

/** The access secret of a new leg: 24 random bytes, hex. Made before a command is proposed. */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    public static String newSecret() {
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }
}
