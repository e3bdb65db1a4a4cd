package dev.cairn.nbd.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads certificates, private keys and secrets from PEM files, as GnuTLS's {@code certtool} and
 * OpenSSL write them, with errors that name the file and say what is wrong. A file holding a
 * secret (a private key, pre-shared keys) must be readable by its owner only.
 */
final class TlsFiles {
    private TlsFiles() {}

    /** Refuses a missing file, and one that its group or others may read or write. */
    static void requireOwnerOnly(Path file, String what) throws IOException {
        requireReadable(file, what);
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return; // not a POSIX file system: nothing to check
        }
        Set<PosixFilePermission> mode = view.readAttributes().permissions();
        if (mode.contains(PosixFilePermission.GROUP_READ)
                || mode.contains(PosixFilePermission.OTHERS_READ)
                || mode.contains(PosixFilePermission.GROUP_WRITE)
                || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(what + " " + file + " may be read or written by others (mode "
                    + String.format("%04o", octal(mode)) + "); it holds a secret: chmod 600 " + file);
        }
    }

    private static void requireReadable(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, what + " " + file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IOException(what + " " + file + " is not a readable file");
        }
    }

    private static int octal(Set<PosixFilePermission> mode) {
        // "rwxr-x---" order: owner, group, others; the string's 9 positions are the bits 0400 to 0001
        String text = PosixFilePermissions.toString(mode);
        int bits = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != '-') {
                bits |= 1 << (8 - i);
            }
        }
        return bits;
    }

    /** Every certificate of a PEM file (a chain: the leaf first), at least one. */
    static List<X509Certificate> certificates(Path file, String what) throws IOException {
        requireReadable(file, what);
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) c);
            }
        } catch (CertificateException | ClassCastException e) {
            throw new IOException(what + " " + file + " is not a PEM certificate file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(what + " " + file + " holds no certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(certificates);
    }

    /**
     * The private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA
     * PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}); an encrypted key is refused.
     */
    static PrivateKey privateKey(Path file) throws IOException {
        requireOwnerOnly(file, "the private key file");
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                switch (o) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                    case PEMEncryptedKeyPair _, PKCS8EncryptedPrivateKeyInfo _ ->
                        throw new IOException("the private key in " + file + " is encrypted; Cairn reads only"
                                + " unencrypted keys (protect the file instead: chmod 600)");
                    default -> {} // EC parameters, certificates: look further
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
                throw e;
            }
            throw new IOException("the private key file " + file + " is not valid PEM: " + e.getMessage(), e);
        }
        throw new IOException("the private key file " + file + " holds no private key (expected -----BEGIN PRIVATE"
                + " KEY-----, -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
    }

    /** A certificate chain and its key, loaded and checked to belong together. */
    static SslContexts.Identity identity(Path certificateFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certificateFile, "the certificate file");
        PrivateKey key = privateKey(keyFile);
        requireMatch(chain.getFirst(), key, certificateFile, keyFile);
        return new SslContexts.Identity(chain, key);
    }

    /** Refuses a key that is not the one of the certificate: a signature by it must verify. */
    static void requireMatch(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile)
            throws IOException {
        PublicKey publicKey = certificate.getPublicKey();
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw new IOException("the key in " + keyFile + " (" + key.getAlgorithm() + ") does not belong to the"
                    + " certificate in " + certFile + " (" + publicKey.getAlgorithm() + ")");
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> "";
        };
        if (algorithm.isEmpty()) {
            return; // a key type the JDK's TLS will judge for itself
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IOException("the key in " + keyFile + " does not belong to the certificate in " + certFile);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot check the key in " + keyFile + " against " + certFile + ": " + e, e);
        }
    }
}
