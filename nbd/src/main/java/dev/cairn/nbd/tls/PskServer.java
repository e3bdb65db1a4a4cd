package dev.cairn.nbd.tls;

/** A server's pre-shared keys, through BouncyCastle's TLS. */
final class PskServer implements ServerTls {
    private final PskKeys keys;

    PskServer(PskKeys keys) {
        this.keys = keys;
    }

    PskKeys keys() {
        return keys;
    }

    @Override
    public String describe() {
        return "PSK (" + keys.identities().size() + " identities)";
    }

    @Override
    public String toString() {
        return describe();
    }
}
