package dev.cairn.nbd.tls;

/** A client's pre-shared key: one identity of a keys file, through BouncyCastle's TLS. */
final class PskClient implements ClientTls {
    private final String identity;
    private final PskKeys keys;

    PskClient(String identity, PskKeys keys) {
        this.identity = identity;
        this.keys = keys;
    }

    String identity() {
        return identity;
    }

    byte[] key() {
        return keys.key(identity).orElseThrow();
    }

    @Override
    public String describe() {
        return "PSK (identity " + identity + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
