package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void withoutATerminalItPrintsALineEachQuarterAndOneAtTheEnd() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), "copying", 100, false);
        for (int done = 1; done <= 100; done++) {
            p.update(done);
        }
        p.done();
        String[] lines = text.toString().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).contains("copying", "[#######", " 25%").doesNotContain("\r");
        assertThat(lines[1]).contains(" 50%");
        assertThat(lines[2]).contains(" 75%");
        assertThat(lines[3]).contains("[##############################] 100%");
    }

    @Test
    void onATerminalItRedrawsInPlace() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), "syncing", 10, true);
        p.update(5);
        p.done();
        String out = text.toString();
        assertThat(out).startsWith("\r").contains(" 50%").containsOnlyOnce("\n").endsWith("\n");
        assertThat(out.substring(out.lastIndexOf('\r'))).contains("[##############################] 100%");
    }
}
