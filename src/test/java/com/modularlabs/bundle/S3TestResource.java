package com.modularlabs.bundle;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-protocol server for the tests: the npm package s3rver (src/test/s3, installed by
 * {@code npm ci --prefix src/test/s3}) on a free 127.0.0.1 port, with bucket {@value #BUCKET} and its fixed
 * credentials S3RVER/S3RVER. {@link #available()} tells whether node and the package are there.
 */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {
    static final String BUCKET = "labs-bundles";
    static final Path SCRIPT = Path.of("src/test/s3/node_modules/s3rver/bin/s3rver.js");

    private Process process;
    private Path dir;

    /** Node on the PATH and s3rver installed. */
    public static boolean available() {
        if (!Files.isRegularFile(SCRIPT)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public Map<String, String> start() {
        try {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            dir = Files.createTempDirectory("s3rver");
            Path log = dir.resolveSibling(dir.getFileName() + ".log");
            process = new ProcessBuilder(List.of("node", SCRIPT.toString(), "--directory", dir.toString(), "--port",
                    String.valueOf(port), "--address", "127.0.0.1", "--silent", "--configure-bucket", BUCKET))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    break;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("s3rver did not start: " + Files.readString(log));
                    }
                    Thread.sleep(100);
                }
            }
            return Map.of("labs.bundle.storage", "s3",
                    "labs.bundle.s3.endpoint", "http://127.0.0.1:" + port,
                    "labs.bundle.s3.bucket", BUCKET,
                    "labs.bundle.s3.access-key-id", "S3RVER",
                    "labs.bundle.s3.secret-access-key", "S3RVER");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dir != null) {
            BundlePaths.deleteTree(dir);
        }
    }
}
