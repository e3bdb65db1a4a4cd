package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resident JVM's own checks; {@code CliResidentIT} drives it through {@code bin/cairn}. */
class ResidentTest {
    @TempDir
    Path dir;

    private void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void aDirectoryOthersMayEnterOrWithoutAPipeIsRefused() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("requests"), "");
        assertThat(Resident.refusal(dir)).isEqualTo(dir.resolve("requests") + " is not a named pipe");

        Files.delete(dir.resolve("requests"));
        mkfifo(dir.resolve("requests"));
        assertThat(Resident.refusal(dir)).isNull();

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Resident.refusal(dir))
                .startsWith(dir + " must be mode 0700 (only its owner may send commands), not ");
        assertThat(Resident.refusal(dir.resolve("requests")))
                .isEqualTo(dir.resolve("requests") + " is not a directory");
    }

    @Test
    void aRequestsFieldsAreNulSeparatedAndMayBeEmptyOrHoldNewlines() {
        List<String> fields = List.of("1", "42", "/home/op", "", "a\nb", "é");
        byte[] request = (String.join("\u0000", fields) + "\u0000").getBytes(StandardCharsets.UTF_8);
        assertThat(Resident.fields(request)).isEqualTo(fields);
        // A last field without its NUL (a request cut short) is not taken.
        assertThat(Resident.fields("1\u0000tail".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("1");
        assertThat(Resident.fields(new byte[0])).isEmpty();
    }
}
