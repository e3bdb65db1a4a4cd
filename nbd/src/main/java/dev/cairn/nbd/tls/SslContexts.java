package dev.cairn.nbd.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** The JDK's TLS set up from keys and certificates held in memory (no key store files). */
final class SslContexts {
    /** TLS 1.3, and 1.2 which the NBD protocol requires implementations to support. */
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** The in-memory key store's password: it never leaves this process. */
    private static final char[] STORE_PASSWORD = "cairn".toCharArray();

    private SslContexts() {}

    /** A certificate chain (leaf first) and its private key. */
    record Identity(List<X509Certificate> chain, PrivateKey key) {
        @Override
        public String toString() {
            return "identity " + chain.getFirst().getSubjectX500Principal().getName();
        }
    }

    static String[] protocols() {
        return PROTOCOLS.clone();
    }

    static SSLContext create(Optional<Identity> identity, Optional<List<X509Certificate>> trusted) throws IOException {
        try {
            KeyManager[] keyManagers = null;
            if (identity.isPresent()) {
                KeyStore keys = emptyStore();
                keys.setKeyEntry(
                        "identity",
                        identity.get().key(),
                        STORE_PASSWORD,
                        identity.get().chain().toArray(new X509Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, STORE_PASSWORD);
                keyManagers = kmf.getKeyManagers();
            }
            TrustManager[] trustManagers = null;
            if (trusted.isPresent()) {
                KeyStore anchors = emptyStore();
                int i = 0;
                for (X509Certificate c : trusted.get()) {
                    anchors.setCertificateEntry("ca-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(anchors);
                trustManagers = tmf.getTrustManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS with these certificates: " + e.getMessage(), e);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    static SSLEngine serverEngine(SSLContext context, boolean needClientCertificate) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setNeedClientAuth(needClientCertificate);
        engine.setEnabledProtocols(PROTOCOLS.clone());
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setCipherSuites(preferFastest(parameters.getCipherSuites()));
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        return engine;
    }

    /**
     * The JDK's suites with AES-128-GCM first: the JDK prefers AES-256, which costs 40% more per
     * byte (14 rounds to 10) for a margin that does not matter here, and block payloads are large.
     */
    private static String[] preferFastest(String[] suites) {
        List<String> ordered = new ArrayList<>(List.of(suites));
        for (String fast : List.of(
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_AES_128_GCM_SHA256")
                .reversed()) {
            if (ordered.remove(fast)) {
                ordered.addFirst(fast);
            }
        }
        return ordered.toArray(new String[0]);
    }

    /** A client engine that checks the server's certificate names {@code host} (a name or an address). */
    static SSLEngine clientEngine(SSLContext context, String host, int port) {
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(PROTOCOLS.clone());
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }
}
