package com.modularlabs.functions;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * The sample's function service as the tests run it: the resource reserves a loopback port and tells the engine
 * (labs.functions.base-urls=blackjack=http://127.0.0.1:&lt;port&gt;), the way an operator does with
 * LABS_FUNCTIONS_BASE_URLS; {@link #ensure} then starts "java BlackjackFunctions.java &lt;port&gt; &lt;engine&gt;" once the
 * engine's random port is known, and waits for /healthz.
 */
public class BlackjackFunctionsProcess implements QuarkusTestResourceLifecycleManager {
    static final String PORT_PROPERTY = "labs.test.blackjack-port";
    private static Process process;

    @Override
    public Map<String, String> start() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            System.setProperty(PORT_PROPERTY, String.valueOf(s.getLocalPort()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("labs.functions.base-urls", "blackjack=http://127.0.0.1:" + System.getProperty(PORT_PROPERTY));
    }

    @Override
    public void stop() {
        synchronized (BlackjackFunctionsProcess.class) {
            if (process != null) {
                process.destroy();
                process = null;
            }
        }
    }

    static int port() {
        return Integer.parseInt(System.getProperty(PORT_PROPERTY));
    }

    static synchronized void ensure(int enginePort) throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(java, "experiments/blackjack/functions/BlackjackFunctions.java", String.valueOf(port()),
                "http://127.0.0.1:" + enginePort).redirectErrorStream(true)
                .redirectOutput(new File("target/blackjack-functions.log")).directory(Path.of("").toAbsolutePath().toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (process != null) {
                process.destroy();
            }
        }));
        HttpClient http = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + port() + "/healthz");
        Awaitility.await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }
}
