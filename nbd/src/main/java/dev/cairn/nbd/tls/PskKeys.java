package dev.cairn.nbd.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pre-shared keys, read from a keys file in the format GnuTLS's {@code psktool}, nbdkit
 * ({@code --tls-psk}), qemu ({@code tls-creds-psk}) and libnbd ({@code tls-psk-file}) share: one
 * {@code identity:hexkey} line per identity. Blank lines and lines starting with {@code #} are
 * ignored. The file must be readable by its owner only; keys must be at least 16 bytes (psktool
 * makes 32). Nothing here ever prints a key: not {@link #toString}, not an error message.
 */
public final class PskKeys {
    /** The shortest key accepted: 128 bits. */
    static final int MIN_KEY_BYTES = 16;

    private static final long MAX_FILE_BYTES = 1 << 20;
    private static final int MAX_IDENTITY_BYTES = 255;

    private final Map<String, byte[]> keys;

    private PskKeys(Map<String, byte[]> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    /** Reads and checks a keys file; the message of a failure says which line and what is wrong. */
    public static PskKeys load(Path file) throws IOException {
        TlsFiles.requireOwnerOnly(file, "the PSK file");
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException("the PSK file " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "line " + (i + 1) + " of the PSK file " + file;
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException(where + " is not IDENTITY:HEXKEY");
            }
            String identity = line.substring(0, colon);
            if (identity.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTITY_BYTES) {
                throw new IOException(where + ": the identity is longer than " + MAX_IDENTITY_BYTES + " bytes");
            }
            byte[] key = hex(line.substring(colon + 1), where);
            if (keys.putIfAbsent(identity, key) != null) {
                throw new IOException(where + ": identity '" + identity + "' is given twice");
            }
        }
        if (keys.isEmpty()) {
            throw new IOException("the PSK file " + file + " holds no IDENTITY:HEXKEY line");
        }
        return new PskKeys(keys);
    }

    private static byte[] hex(String text, String where) throws IOException {
        if (text.length() % 2 != 0) {
            throw new IOException(where + ": the key has an odd number of hex digits");
        }
        byte[] key = new byte[text.length() / 2];
        for (int i = 0; i < key.length; i++) {
            int high = Character.digit(text.charAt(2 * i), 16);
            int low = Character.digit(text.charAt(2 * i + 1), 16);
            if (high < 0 || low < 0) {
                throw new IOException(
                        where + ": the key is not hexadecimal (character " + (colonless(i, high) + 1) + " of the key)");
            }
            key[i] = (byte) (high << 4 | low);
        }
        if (key.length < MIN_KEY_BYTES) {
            throw new IOException(where + ": the key is " + key.length + " bytes; at least " + MIN_KEY_BYTES
                    + " are needed (psktool makes 32)");
        }
        return key;
    }

    /** The position in the key text of the bad digit of byte {@code i}. */
    private static int colonless(int i, int high) {
        return high < 0 ? 2 * i : 2 * i + 1;
    }

    /** The identities, in file order. */
    public Set<String> identities() {
        return keys.keySet();
    }

    /** A copy of the key of {@code identity}, if the file has it. */
    Optional<byte[]> key(String identity) {
        byte[] key = keys.get(identity);
        return key == null ? Optional.empty() : Optional.of(Arrays.copyOf(key, key.length));
    }

    @Override
    public String toString() {
        return "PSK keys for " + keys.keySet();
    }
}
