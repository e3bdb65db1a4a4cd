package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The command line's own parsing and formatting, and how it reports mistakes. */
class CliParsingTest {

    @Test
    void durationsAreShortFormsOrIso() {
        assertThat(Durations.parse("500ms", "--x")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s", "--x")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("10m", "--x")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("2h", "--x")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("PT90S", "--x")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Durations.parse("soon", "--timeout"))
                .hasMessage("--timeout 'soon' is not a duration (examples: 500ms, 30s, 10m, 2h, PT10M)");
        assertThat(Durations.human(Duration.parse("PT10M"))).isEqualTo("10m");
        assertThat(Durations.human(Duration.parse("PT2H"))).isEqualTo("2h");
        assertThat(Durations.human(Duration.parse("PT45S"))).isEqualTo("45s");
        assertThat(Durations.human(Duration.parse("PT0.25S"))).isEqualTo("250ms");
    }

    @Test
    void tablesAlignTheirColumns() {
        StringWriter text = new StringWriter();
        new Table("NAME", "SIZE")
                .row("db", "1.0 GiB")
                .row("a-longer-name", null)
                .print(new PrintWriter(text));
        assertThat(text.toString().lines())
                .containsExactly("NAME           SIZE", "db             1.0 GiB", "a-longer-name  -");
    }

    @Test
    void aClientCommandWithoutAControllerSaysWhereItLooked() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                new PrintWriter(out),
                new PrintWriter(err),
                "volume",
                "list",
                "--controller",
                "http://127.0.0.1:1",
                "--token-file",
                "/nonexistent/token");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("cairn volume list: cannot read the token file /nonexistent/token");
    }

    @Test
    void aNodeTakesItsExtentsEitherFromAControllerOrFromTheCommandLine() {
        StringWriter err = new StringWriter();
        int code = Main.run(
                new PrintWriter(new StringWriter()),
                new PrintWriter(err),
                "node",
                "--drive",
                "/nonexistent/d.img,size=1GiB",
                "--extent",
                "x=1MiB",
                "--controller",
                "http://127.0.0.1:1");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString())
                .contains(
                        "--extent is for a node used on its own; with --controller the controller decides the extents");
    }
}
