package dev.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy forwards both ways, holds everything while partitioned, and resumes on heal. */
class FaultProxyTest {
    ServerSocket echo;
    FaultProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException e) {
                            // client went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        proxy = FaultProxy.to(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        String[] hp = proxy.address().split(":", 2);
        Socket s = new Socket(hp[0], Integer.parseInt(hp[1]));
        s.setSoTimeout(300);
        return s;
    }

    @Test
    void aPartitionHoldsTrafficAndHealingDeliversIt() throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write('a');
            assertThat(in.read()).isEqualTo('a');

            proxy.partition();
            out.write('b');
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);

            proxy.heal();
            s.setSoTimeout(10_000);
            assertThat(in.read()).isEqualTo('b');
        }
    }

    @Test
    void aConnectionMadeDuringAPartitionReachesNothingUntilHealed() throws IOException {
        proxy.partition();
        try (Socket s = connect()) {
            s.getOutputStream().write('x');
            assertThatThrownBy(s.getInputStream()::read).isInstanceOf(SocketTimeoutException.class);
            proxy.heal();
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo('x');
        }
    }
}
