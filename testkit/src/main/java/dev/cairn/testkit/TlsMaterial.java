package dev.cairn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS credentials made at run time for tests: a CA, a server certificate for 127.0.0.1 and
 * localhost, and a client certificate, all signed by the CA (ECDSA P-256, valid for a day), written
 * as PEM into a directory laid out as libnbd ({@code tls-certificates=DIR}), nbdkit ({@code
 * --tls-certificates DIR}) and qemu ({@code tls-creds-x509,dir=DIR}) expect: {@code ca-cert.pem},
 * {@code server-cert.pem}, {@code server-key.pem}, {@code client-cert.pem}, {@code client-key.pem}
 * (keys mode 0600). And PSK files in psktool's format.
 */
public final class TlsMaterial {
    private final Path dir;

    private TlsMaterial(Path dir) {
        this.dir = dir;
    }

    /** Makes a fresh CA and its server and client certificates in {@code dir} (created if missing). */
    public static TlsMaterial create(Path dir) {
        try {
            Files.createDirectories(dir);
            Instant now = Instant.now();
            KeyPair caKeys = ecKeys();
            X500Principal caName = new X500Principal("CN=Cairn test CA " + now.toEpochMilli());
            X509Certificate ca = sign(
                    new JcaX509v3CertificateBuilder(caName, serial(), from(now), until(now), caName, caKeys.getPublic())
                            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                            .addExtension(
                                    Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                            .addExtension(
                                    Extension.subjectKeyIdentifier,
                                    false,
                                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic())),
                    caKeys.getPrivate());
            writePem(dir.resolve("ca-cert.pem"), "CERTIFICATE", ca.getEncoded());
            leaf(dir, "server", ca, caKeys.getPrivate(), KeyPurposeId.id_kp_serverAuth, now);
            leaf(dir, "client", ca, caKeys.getPrivate(), KeyPurposeId.id_kp_clientAuth, now);
            return new TlsMaterial(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    private static void leaf(
            Path dir, String role, X509Certificate ca, PrivateKey caKey, KeyPurposeId purpose, Instant now)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        KeyPair keys = ecKeys();
        X500Principal name = new X500Principal("CN=cairn-test-" + role);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        ca, serial(), from(now), until(now), name, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(
                        Extension.keyUsage, false, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                .addExtension(
                        Extension.authorityKeyIdentifier,
                        false,
                        new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                }));
        writePem(
                dir.resolve(role + "-cert.pem"),
                "CERTIFICATE",
                sign(builder, caKey).getEncoded());
        writeSecret(dir.resolve(role + "-key.pem"), pkcs8(keys));
    }

    /**
     * The key as PKCS#8 the way OpenSSL writes it: the curve and the public key inside, which
     * GnuTLS 3.7 needs (the JDK's own encoding of an EC key has neither).
     */
    private static String pkcs8(KeyPair keys) throws IOException {
        ECPrivateKey key = (ECPrivateKey) keys.getPrivate();
        SubjectPublicKeyInfo publicKey =
                SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        X962Parameters curve = new X962Parameters(SECObjectIdentifiers.secp256r1);
        PrivateKeyInfo info = new PrivateKeyInfo(
                new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve),
                new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(), publicKey.getPublicKeyData(), curve));
        return pem("PRIVATE KEY", info.getEncoded());
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static Date from(Instant now) {
        return Date.from(now.minus(Duration.ofHours(1)));
    }

    private static Date until(Instant now) {
        return Date.from(now.plus(Duration.ofDays(1)));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writePem(Path file, String type, byte[] der) throws IOException {
        Files.writeString(file, pem(type, der), StandardCharsets.US_ASCII);
    }

    /** Writes {@code text} to a file only its owner may read (mode 0600). */
    public static Path writeSecret(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }

    /**
     * A keys file in psktool's format ({@code identity:hexkey} lines, mode 0600) with a fresh
     * random 32-byte key for each identity; returns the keys, hex-encoded, by identity.
     */
    public static Map<String, String> writePskFile(Path file, List<String> identities) throws IOException {
        SecureRandom random = new SecureRandom();
        StringBuilder text = new StringBuilder();
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        for (String identity : identities) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            String hex = HexFormat.of().formatHex(key);
            keys.put(identity, hex);
            text.append(identity).append(':').append(hex).append('\n');
        }
        writeSecret(file, text.toString());
        return keys;
    }

    /** The directory, as {@code tls-certificates=}, {@code --tls-certificates} and qemu's {@code dir=} take it. */
    public Path dir() {
        return dir;
    }

    public Path caCert() {
        return dir.resolve("ca-cert.pem");
    }

    public Path serverCert() {
        return dir.resolve("server-cert.pem");
    }

    public Path serverKey() {
        return dir.resolve("server-key.pem");
    }

    public Path clientCert() {
        return dir.resolve("client-cert.pem");
    }

    public Path clientKey() {
        return dir.resolve("client-key.pem");
    }
}
