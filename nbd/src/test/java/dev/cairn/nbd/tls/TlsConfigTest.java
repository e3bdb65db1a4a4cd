package dev.cairn.nbd.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testkit.TlsMaterial;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading TLS credentials: what is accepted, and what each mistake is told. */
class TlsConfigTest {
    @TempDir
    static Path dir;

    static TlsMaterial certs;

    @BeforeAll
    static void material() {
        certs = TlsMaterial.create(dir.resolve("certs"));
    }

    @Test
    void certificatesAndKeysAsTheTestKitWritesThemLoad() throws IOException {
        ServerTls server = ServerTls.x509(certs.serverCert(), certs.serverKey(), Optional.of(certs.caCert()));
        assertThat(server.describe()).contains("CN=cairn-test-server").contains("client certificates required");
        ClientTls client =
                ClientTls.x509(certs.caCert(), Optional.of(certs.clientCert()), Optional.of(certs.clientKey()));
        assertThat(client.describe()).contains("trusting CN=Cairn test CA").contains("as CN=cairn-test-client");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> ServerTls.x509(missing, certs.serverKey(), Optional.empty()))
                .hasMessageContaining("the certificate file " + missing + " does not exist");
        assertThatThrownBy(() -> ServerTls.x509(certs.serverCert(), missing, Optional.empty()))
                .hasMessageContaining("the private key file " + missing + " does not exist");
        assertThatThrownBy(() -> ClientTls.x509(missing, Optional.empty(), Optional.empty()))
                .hasMessageContaining("the CA file " + missing + " does not exist");
        assertThatThrownBy(() -> ServerTls.psk(missing))
                .hasMessageContaining("the PSK file " + missing + " does not exist");
    }

    @Test
    void aKeyOthersCanReadIsRefused() throws IOException {
        Path key = Files.copy(certs.serverKey(), dir.resolve("open-key.pem"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ServerTls.x509(certs.serverCert(), key, Optional.empty()))
                .hasMessageContaining("may be read or written by others (mode 0644)")
                .hasMessageContaining("chmod 600 " + key);
        Path psk = dir.resolve("open.psk");
        TlsMaterial.writePskFile(psk, List.of("alice"));
        Files.setPosixFilePermissions(psk, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> ServerTls.psk(psk)).hasMessageContaining("(mode 0640)");
    }

    @Test
    void filesThatAreNotPemSayWhatWasExpected() throws IOException {
        Path garbage = TlsMaterial.writeSecret(dir.resolve("garbage.pem"), "hello, not a certificate\n");
        assertThatThrownBy(() -> ServerTls.x509(garbage, certs.serverKey(), Optional.empty()))
                .hasMessageContaining("the certificate file " + garbage);
        assertThatThrownBy(() -> ServerTls.x509(certs.serverCert(), garbage, Optional.empty()))
                .hasMessageContaining("holds no private key (expected -----BEGIN PRIVATE KEY-----");
        // a certificate where the key should be
        Path notAKey = TlsMaterial.writeSecret(dir.resolve("cert-as-key.pem"), Files.readString(certs.caCert()));
        assertThatThrownBy(() -> ServerTls.x509(certs.serverCert(), notAKey, Optional.empty()))
                .hasMessageContaining("holds no private key");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertThatThrownBy(() -> ServerTls.x509(certs.serverCert(), certs.clientKey(), Optional.empty()))
                .hasMessageContaining("the key in " + certs.clientKey() + " does not belong to the certificate in "
                        + certs.serverCert());
    }

    @Test
    void keysInTheTraditionalFormatsLoadAndEncryptedOnesAreRefused() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024); // only the file format is under test: a small key is made fast
        KeyPair rsaKeys = rsa.generateKeyPair();
        Path pkcs1 = TlsMaterial.writeSecret(dir.resolve("rsa.pem"), traditionalPem(rsaKeys.getPrivate()));
        assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(TlsFiles.privateKey(pkcs1).getAlgorithm()).isEqualTo("RSA");

        Path ec = TlsMaterial.writeSecret(dir.resolve("ec.pem"), ecSec1());
        assertThat(TlsFiles.privateKey(ec).getAlgorithm()).isEqualTo("EC");

        Path encrypted = TlsMaterial.writeSecret(
                dir.resolve("encrypted.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                        + java.util.Base64.getMimeEncoder().encodeToString(encryptedPkcs8())
                        + "\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsFiles.privateKey(encrypted)).hasMessageContaining("is encrypted");
    }

    /** An EC key in SEC1 ({@code EC PRIVATE KEY}) with its curve, as {@code openssl ecparam -genkey} writes it. */
    private static String ecSec1() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        java.security.interfaces.ECPrivateKey key =
                (java.security.interfaces.ECPrivateKey) ec.generateKeyPair().getPrivate();
        var curve =
                new org.bouncycastle.asn1.x9.X962Parameters(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1);
        byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(), curve).getEncoded();
        return "-----BEGIN EC PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(der) + "\n-----END EC PRIVATE KEY-----\n";
    }

    private static byte[] encryptedPkcs8() throws Exception {
        var generator = new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
                        org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                .setPassword("secret".toCharArray())
                .build();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        PrivateKey key = ec.generateKeyPair().getPrivate();
        return new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, generator)
                .generate()
                .getContent();
    }

    private static String traditionalPem(PrivateKey key) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(key);
        }
        return text.toString();
    }

    @Test
    void aPskFileInPsktoolsFormatLoads() throws IOException {
        Path file = dir.resolve("keys.psk");
        Map<String, String> keys = TlsMaterial.writePskFile(file, List.of("alice", "bob"));
        PskKeys loaded = PskKeys.load(file);
        assertThat(loaded.identities()).containsExactly("alice", "bob");
        assertThat(java.util.HexFormat.of().formatHex(loaded.key("bob").orElseThrow()))
                .isEqualTo(keys.get("bob"));
        assertThat(loaded.toString()).doesNotContain(keys.get("alice")).doesNotContain(keys.get("bob"));
        assertThat(ClientTls.psk(file, Optional.of("bob")).describe()).isEqualTo("PSK (identity bob)");
        assertThatThrownBy(() -> ClientTls.psk(file, Optional.empty()))
                .hasMessageContaining("holds 2 identities; say which one to use");
        assertThatThrownBy(() -> ClientTls.psk(file, Optional.of("carol")))
                .hasMessageContaining("has no identity 'carol'");
    }

    @Test
    void aBadPskLineIsNamedAndItsKeyNeverShown() throws IOException {
        String secret = "00112233445566778899aabbccddeeff";
        Map<String, String> cases = Map.of(
                "alice " + secret + "\n",
                "line 1 of the PSK file .* is not IDENTITY:HEXKEY",
                "# comment\n\nalice:" + secret + "zz\n",
                "line 3 .*: the key is not hexadecimal \\(character 33",
                "alice:" + secret + "0\n",
                "line 1 .*: the key has an odd number of hex digits",
                "alice:00112233\n",
                "line 1 .*: the key is 4 bytes; at least 16 are needed",
                "alice:" + secret + "\nalice:" + secret + "\n",
                "line 2 .*: identity 'alice' is given twice",
                "# nothing\n",
                "holds no IDENTITY:HEXKEY line");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = TlsMaterial.writeSecret(dir.resolve("bad" + i++ + ".psk"), c.getKey());
            assertThatThrownBy(() -> PskKeys.load(file))
                    .as(c.getKey())
                    .hasMessageMatching("(?s).*" + c.getValue() + ".*")
                    .hasMessageNotContaining(secret);
        }
    }
}
