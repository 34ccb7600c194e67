package com.modularlabs.packaged;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One child process of the packaged service ({@code target/quarkus-app/quarkus-run.jar}), for the integration tests
 * (*IT) and the benches that run the real jar: free HTTP and management ports on 127.0.0.1 kept across restarts, a
 * data folder (kept across restarts unless {@link #deleteData()}), a log per start under target/, graceful stop
 * (SIGTERM) or {@link #kill()} (SIGKILL).
 */
public final class PackagedApp {
    public static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    public static final Path TARGET = ROOT.resolve("target");
    public static final Path JAR = TARGET.resolve("quarkus-app/quarkus-run.jar");
    /** Small-instance flags: several children share a 2-core machine with the test JVM. */
    public static final List<String> JVM_FLAGS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public final String name;
    public final int port;
    public final int managementPort;
    /** Environment of the next start (on top of the parent's, minus any database setting); may be changed between starts. */
    public final Map<String, String> env;
    private final String logPrefix;
    public Path dataDir;
    public Process process;
    public volatile HttpClient http = newClient();
    /** Out of a caller's load rotation (set while stopping). */
    public volatile boolean down = true;
    public int starts;
    private long startNanos;

    /** {@code logPrefix}: logs go to target/{logPrefix}-{name}[-restartN].log. */
    public PackagedApp(String logPrefix, String name, Map<String, String> env) throws IOException {
        this.logPrefix = logPrefix;
        this.name = name;
        this.env = new HashMap<>(env);
        this.port = freePort();
        this.managementPort = freePort();
    }

    /** Environment for the embedded store (no MONGO_URI) on a free port of its own; cheap bcrypt (tests log in often). */
    public static Map<String, String> embeddedEnv(String adminEmail, String adminPassword) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("LABS_BCRYPT_COST", "4");
        env.put("LABS_EMBEDDED_MONGO_PORT", String.valueOf(freePort()));
        env.put("ADMIN_EMAIL", adminEmail);
        env.put("ADMIN_PASSWORD", adminPassword);
        env.put("LABS_EXPERIMENTS_DIR", ROOT.resolve("experiments").toString());
        return env;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public String managementUrl(String path) {
        return "http://127.0.0.1:" + managementPort + path;
    }

    public Path log() {
        return TARGET.resolve(logPrefix + "-" + name + (starts > 1 ? "-restart" + (starts - 1) : "") + ".log");
    }

    /** Starts the jar; on the existing data folder if there is one, else on a new temp folder. */
    public void start() throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " missing: run the package phase first (./mvnw verify does)");
        }
        starts++;
        if (dataDir == null || !Files.isDirectory(dataDir)) {
            dataDir = Files.createTempDirectory("labs-" + logPrefix + "-" + name + "-");
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(javaBin()));
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        // the parent's database settings (TEST_MONGO_URI runs, a developer's shell) never leak into a child
        List.of("MONGO_URI", "QUARKUS_MONGODB_CONNECTION_STRING", "LABS_TOKEN_SECRET").forEach(e::remove);
        e.putAll(env);
        e.put("PORT", String.valueOf(port));
        e.put("LABS_HTTP_HOST", "127.0.0.1");
        e.put("LABS_MANAGEMENT_PORT", String.valueOf(managementPort));
        e.put("LABS_MANAGEMENT_HOST", "127.0.0.1");
        e.put("LABS_DATA_DIR", dataDir.toString());
        Files.createDirectories(TARGET);
        pb.redirectErrorStream(true).redirectOutput(log().toFile());
        pb.directory(dataDir.toFile());
        startNanos = System.nanoTime();
        process = pb.start();
    }

    /** Waits for /q/health/started; returns the start-up time in ms. */
    public long awaitStarted(Duration timeout) throws Exception {
        return awaitHealth("/q/health/started", timeout);
    }

    /** Waits for /q/health/ready (the database answers, the registry is loaded); returns ms since the start. */
    public long awaitReady(Duration timeout) throws Exception {
        return awaitHealth("/q/health/ready", timeout);
    }

    private long awaitHealth(String path, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("instance " + name + " exited with " + process.exitValue() + "; log: " + log());
            }
            try {
                HttpRequest r = HttpRequest.newBuilder(URI.create(managementUrl(path))).timeout(Duration.ofSeconds(10)).GET().build();
                if (http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    down = false;
                    return (System.nanoTime() - startNanos) / 1_000_000;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("instance " + name + " not " + path + " within " + timeout + "; log: " + log());
    }

    /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
    public void stop() {
        down = true;
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL (Process.destroyForcibly on Unix): no shutdown hook, no flush; waits until the process is gone. */
    public void kill() throws InterruptedException {
        down = true;
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("instance " + name + " survived SIGKILL for 30 s");
            }
        }
    }

    /** Kills without waiting (shutdown hooks, @AfterAll). */
    public void killNow() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    /** After a test: kill at once and remove the data folder. */
    public void discard() {
        killNow();
        deleteData();
    }

    public void deleteData() {
        deleteTree(dataDir);
        dataDir = null;
    }

    /** Prints the last lines of every log of this instance (after a failure). */
    public void printTail(int lines) {
        int n = starts;
        for (int s = 1; s <= Math.max(1, n); s++) {
            Path log = TARGET.resolve(logPrefix + "-" + name + (s > 1 ? "-restart" + (s - 1) : "") + ".log");
            try {
                List<String> all = Files.readAllLines(log);
                System.out.println("----- tail of " + log + " -----");
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.out::println);
            } catch (IOException e) {
                System.out.println("(no log " + log + ")");
            }
        }
    }

    public static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
    }

    public static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
