package dev.cairn.control.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControlTransportTest {
    @Test
    void pathSegmentsCannotEscapeTheirEndpoint() {
        assertThat(ControlTransport.segment("../orphans?x=1")).isEqualTo("..%2Forphans%3Fx%3D1");
        assertThat(ControlTransport.segment("my volume")).isEqualTo("my%20volume");
    }
}
