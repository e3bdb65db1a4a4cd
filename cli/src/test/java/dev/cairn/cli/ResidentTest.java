package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    /**
     * A call as {@code bin/cairn} makes it: both pipes held open for reading and writing until the
     * acknowledgement, then read-only ends in their place, read until they end. Whatever the JVM
     * writes after the acknowledgement reaches the caller, on both pipes, every time (the
     * acknowledgement once came before {@code err} was open: the caller could find it ended, with
     * no writer yet, and a usage error was lost; CI saw it once in 66 system tests).
     */
    @Test
    void whatACallWritesAfterItsAcknowledgementReachesTheCaller() throws Exception {
        for (int i = 0; i < 300; i++) {
            Path call = Files.createDirectory(dir.resolve("call." + i));
            mkfifo(call.resolve("out"));
            mkfifo(call.resolve("err"));
            String[] read = new String[2];
            RandomAccessFile ow = new RandomAccessFile(call.resolve("out").toFile(), "rw");
            RandomAccessFile ew = new RandomAccessFile(call.resolve("err").toFile(), "rw");
            CompletableFuture<Void> resident = CompletableFuture.runAsync(() -> answer(call));
            try {
                StringBuilder ack = new StringBuilder();
                for (int b; (b = ow.read()) != '\n'; ) {
                    ack.append((char) b);
                }
                assertThat(ack).hasToString(Resident.ACK);
                try (InputStream out = new FileInputStream(call.resolve("out").toFile());
                        InputStream err =
                                new FileInputStream(call.resolve("err").toFile())) {
                    ow.close();
                    ew.close();
                    read[1] = readToEnd(err);
                    read[0] = readToEnd(out);
                }
            } finally {
                ow.close();
                ew.close();
            }
            resident.get(10, TimeUnit.SECONDS);
            assertThat(read).as("call %d", i).containsExactly("answer\n", "refused\n");
        }
    }

    private static void answer(Path call) {
        try (Resident.CallPipes pipes = Resident.CallPipes.open(call)) {
            pipes.err().write("refused\n".getBytes(StandardCharsets.UTF_8));
            pipes.out().write("answer\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
