package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Vector;
import org.bouncycastle.tls.AbstractTlsClient;
import org.bouncycastle.tls.AbstractTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * BouncyCastle's TLS peers for pre-shared keys, as GnuTLS (nbdkit, qemu, libnbd) speaks them: TLS
 * 1.3 with an external PSK (its binder hashed with SHA-256, GnuTLS's default) and an ephemeral
 * (EC)DHE exchange, or TLS 1.2 with (EC)DHE-PSK cipher suites; AEAD ciphers only. The identity is
 * the keys file's user name in UTF-8. Crypto is the JDK's (AES-GCM with its CPU intrinsics).
 */
final class PskPeers {
    private PskPeers() {}

    /** One crypto for every connection: it holds nothing per connection but the random source. */
    static final TlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());

    /** TLS 1.3 suites whose hash (SHA-256) matches the external PSK's; then TLS 1.2 (EC)DHE-PSK. */
    private static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_AES_128_GCM_SHA256,
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256
    };

    private static ProtocolVersion[] versions() {
        return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
    }

    /** Accepts any identity of the keys file. */
    static final class Server extends AbstractTlsServer {
        private final PskKeys keys;
        /** The identity the client authenticated with, once it did. */
        private volatile Optional<String> identity = Optional.empty();

        private volatile String unknown = "";

        Server(PskKeys keys) {
            super(CRYPTO);
            this.keys = keys;
        }

        Optional<String> identity() {
            return identity;
        }

        String negotiatedVersion() {
            return context == null || context.getServerVersion() == null
                    ? "TLS"
                    : context.getServerVersion().getName();
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return versions();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        public TlsCredentials getCredentials() {
            return null; // the pre-shared key is the authentication: no certificate
        }

        /** The identities a client offered that the keys file does not have, for the error message. */
        String unknownIdentities() {
            return unknown;
        }

        // BouncyCastle's API is raw Vector (of PskIdentity).
        @Override
        @SuppressWarnings("rawtypes")
        public TlsPSKExternal getExternalPSK(Vector identities) {
            List<String> offered = new ArrayList<>();
            for (Object o : identities) {
                byte[] bytes = ((PskIdentity) o).getIdentity();
                String name = new String(bytes, StandardCharsets.UTF_8);
                Optional<byte[]> key = keys.key(name);
                if (key.isPresent()) {
                    identity = Optional.of(name);
                    return new BasicTlsPSKExternal(
                            bytes, getCrypto().createSecret(key.get()), PRFAlgorithm.tls13_hkdf_sha256);
                }
                offered.add(name);
            }
            unknown = String.join(", ", offered);
            return null; // no PSK: the handshake fails, there being no certificate either
        }

        @Override
        public TlsPSKIdentityManager getPSKIdentityManager() {
            return new TlsPSKIdentityManager() {
                @Override
                public byte[] getHint() {
                    return null; // no hint: GnuTLS clients need none
                }

                @Override
                public byte[] getPSK(byte[] offered) {
                    String name = new String(offered, StandardCharsets.UTF_8);
                    Optional<byte[]> key = keys.key(name);
                    if (key.isEmpty()) {
                        unknown = name;
                        return null;
                    }
                    identity = Optional.of(name);
                    return key.get();
                }
            };
        }
    }

    /** Offers one identity and its key. */
    static final class Client extends AbstractTlsClient {
        private final byte[] identity;
        private final byte[] key;
        private final ProtocolVersion[] versions;

        Client(String identity, byte[] key, ProtocolVersion[] versions) {
            super(CRYPTO);
            this.identity = identity.getBytes(StandardCharsets.UTF_8);
            this.key = key;
            this.versions = versions.clone();
        }

        Client(String identity, byte[] key) {
            this(identity, key, versions());
        }

        String negotiatedVersion() {
            return context == null || context.getServerVersion() == null
                    ? "TLS"
                    : context.getServerVersion().getName();
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return versions.clone();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        // BouncyCastle's API is raw Vector (of TlsPSKExternal).
        @Override
        @SuppressWarnings({"rawtypes", "unchecked", "JdkObsolete"})
        public Vector getExternalPSKs() {
            Vector psks = new Vector(1);
            psks.add(new BasicTlsPSKExternal(identity, getCrypto().createSecret(key), PRFAlgorithm.tls13_hkdf_sha256));
            return psks;
        }

        @Override
        public TlsPSKIdentity getPSKIdentity() {
            return new BasicTlsPSKIdentity(identity, key);
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate certificate) throws IOException {
                    // A PSK handshake has no certificate: a server that sends one is not who we expect.
                    throw new TlsFatalAlert(AlertDescription.unsupported_certificate, "PSK server sent a certificate");
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) {
                    return null;
                }
            };
        }
    }
}
