package dev.cairn.control.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestBodiesTest {

    private static void refused(String body, Class<?> type, String message) {
        assertThatThrownBy(() -> RequestBodies.read(body, type))
                .as(body)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void aBodyIsOneObjectOfTheExpectedShapeOrARefusalThatSaysWhereItWentWrong() {
        assertThat(RequestBodies.read(
                        "{\"name\":\"db\",\"sizeBytes\":4096,\"class\":\"single\"}", Requests.CreateVolume.class))
                .isEqualTo(new Requests.CreateVolume("db", 4096L, "single"));
        refused("  ", Requests.CreateVolume.class, "request body is empty; expected a JSON object");
        refused("null", Requests.CreateVolume.class, "request body is null; expected a JSON object");
        refused(
                "{\"name\":false}",
                Requests.CreateVolume.class,
                "malformed JSON: name must be a string, not a boolean");
        refused(
                "{\"sizeBytes\":1.5}",
                Requests.CreateVolume.class,
                "malformed JSON: sizeBytes must be a whole number, not a fraction");
        refused(
                "{\"sizeBytes\":1e6}",
                Requests.CreateVolume.class,
                "malformed JSON: sizeBytes must be a whole number, not a number with an exponent or a decimal point"
                        + " (write 1000000)");
        refused(
                "{\"sizeBytes\":4096.0}",
                Requests.CreateVolume.class,
                "malformed JSON: sizeBytes must be a whole number, not a number with an exponent or a decimal point"
                        + " (write 4096)");
        refused("{\"nmae\":\"db\"}", Requests.CreateVolume.class, "unknown field 'nmae'");
        refused("[1,2]", Requests.CreateVolume.class, "malformed JSON: the body must be an object, not a list");
        refused(
                "{\"set\":{\"zone\":[\"a\"]}}",
                Requests.Labels.class,
                "malformed JSON: set.zone must be a string, not a list");
        refused("{\"remove\":[\"a\",null]}", Requests.Labels.class, "malformed JSON: remove[1] must not be null");
        refused(
                "{\"host\":\"h\",\"force\":1}",
                AgentApi.Attach.class,
                "malformed JSON: force must be true or false, not a whole number");
        assertThatThrownBy(() -> RequestBodies.read("{\"name\":\"a\"} {}", Requests.CreateVolume.class))
                .hasMessageStartingWith("malformed JSON: Trailing token");
    }

    @Test
    void reportedErrorsAreKeptWithinWhatTheControllerTakes() {
        List<String> many = Collections.nCopies(250, "x".repeat(5_000));
        List<String> kept = Requests.reportable(many);
        assertThat(kept).hasSize(Requests.MAX_ERRORS);
        assertThat(kept.getLast()).isEqualTo("... and 151 more errors");
        assertThat(kept.getFirst()).hasSize(Requests.MAX_ERROR_CHARS).endsWith("...");
        assertThat(Requests.reportable(List.of("short"))).containsExactly("short");
        assertThat(Requests.reportable("read failed:\n\tat line 3\r")).isEqualTo("read failed:  at line 3 ");
        assertThat(Requests.reportable(Collections.nCopies(100, "e")))
                .hasSize(100)
                .doesNotContain("... and");
    }
}
