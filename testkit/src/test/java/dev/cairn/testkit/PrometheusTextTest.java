package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static final String PAGE = """
            # HELP cairn_node_nbd_requests_total NBD requests answered
            # TYPE cairn_node_nbd_requests_total counter
            cairn_node_nbd_requests_total{op="read"} 12.0
            cairn_node_nbd_requests_total{op="write"} 5.0
            # TYPE cairn_agent_volume_legs gauge
            cairn_agent_volume_legs{name="a \\"b\\", c\\\\d",state="IN_SYNC",volume="v1"} 3.0
            cairn_agent_volume_legs{name="x",state="FAILED",volume="v1"} 0.0 1700000000000
            # TYPE cairn_x_seconds histogram
            cairn_x_seconds_bucket{le="+Inf"} 7
            cairn_x_seconds_max NaN
            process_uptime_seconds 1.5E3
            """;

    @Test
    void readsNamesLabelsValuesAndTypes() {
        PrometheusText t = PrometheusText.parse(PAGE);
        assertThat(t.samples()).hasSize(7);
        assertThat(t.value("cairn_node_nbd_requests_total", "op", "write")).isEqualTo(5.0);
        assertThat(t.sum("cairn_node_nbd_requests_total")).isEqualTo(17.0);
        assertThat(t.find("cairn_agent_volume_legs", "volume", "v1").getFirst().labels())
                .isEqualTo(Map.of("name", "a \"b\", c\\d", "state", "IN_SYNC", "volume", "v1"));
        assertThat(t.value("cairn_agent_volume_legs", "state", "FAILED")).isZero();
        assertThat(t.value("cairn_x_seconds_bucket", "le", "+Inf")).isEqualTo(7);
        assertThat(t.value("cairn_x_seconds_max")).isNaN();
        assertThat(t.value("process_uptime_seconds")).isEqualTo(1500);
        assertThat(t.type("cairn_node_nbd_requests_total")).contains("counter");
        assertThat(t.type("cairn_x_seconds")).contains("histogram");
    }

    @Test
    void valueWantsExactlyOneSample() {
        PrometheusText t = PrometheusText.parse(PAGE);
        assertThatThrownBy(() -> t.value("cairn_node_nbd_requests_total"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("2 samples");
        assertThatThrownBy(() -> t.value("cairn_missing")).hasMessageContaining("0 samples");
        assertThat(t.sum("cairn_missing")).isZero();
    }

    @Test
    void aMalformedLineIsAnErrorWithItsNumber() {
        assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbad{op=\"x\" 1\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> PrometheusText.parse("cairn_a{op=x} 1\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> PrometheusText.parse("cairn_a one\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> PrometheusText.parse("9lives 1\n")).hasMessageContaining("bad metric name");
    }
}
