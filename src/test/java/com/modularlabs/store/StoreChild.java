package com.modularlabs.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The embedded store in a child JVM (same classpath), for tests and benches that kill it with SIGKILL. */
public final class StoreChild implements AutoCloseable {
    public final Process process;
    public final int port;

    private StoreChild(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static StoreChild start(Path dir, String durability) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EmbeddedStoreMain.class.getName(), dir.toString(), String.valueOf(port), durability))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            if (line.equals("READY")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "store-child-output");
                drain.setDaemon(true);
                drain.start();
                return new StoreChild(p, port);
            }
            seen.append(line).append('\n');
        }
        throw new IOException("the store child exited before it was ready:\n" + seen);
    }

    public String uri() {
        return "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=5000&retryWrites=false";
    }

    /** SIGKILL on Linux: no shutdown hook, no final commit. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
