package com.modularlabs.scale;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.packaged.PackagedApp;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Scale-out proof (issue 6; issue 5's "two instances on one database"): three packaged instances of the service
 * ({@code target/quarkus-app/quarkus-run.jar}, child processes) on one MongoDB-compatible server with an oplog
 * (so change streams work), under a bounded background HTTP load spread over all three. Checks, with timings:
 * a status change on one instance is seen by the others within 2 s; an uploaded bundle is served by all; a
 * bearer token and a session cookie work on any instance; an instance restarted with an empty data dir needs
 * nothing it had on disk; and (variant) replicas without LABS_TOKEN_SECRET share the database-stored secret.
 * Results go to stdout and target/scaleout.md; child logs to target/scaleout-*.log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
    static final Path ROOT = PackagedApp.ROOT;
    static final Path TARGET = PackagedApp.TARGET;
    static final Path JAR = PackagedApp.JAR;
    static final String ADMIN_EMAIL = "scaleout-admin@example.com";
    static final String ADMIN_PASSWORD = "scaleout-admin-password-1";
    static final String PROBE_SLUG = "scaleout_probe";
    static final String PROBE_MARKER = "scaleout-marker-" + UUID.randomUUID();
    static final long PROPAGATION_LIMIT_MS = 2000;
    static final long BUNDLE_LIMIT_MS = 5000;
    static final int LOAD_THREADS = 3;
    static final int LOAD_MAX_REQUESTS = 30_000;
    static final Duration LOAD_MAX_TIME = Duration.ofSeconds(100);

    static MongoServer mongo;
    static MongoServer mongoNoOplog;
    /** Kept strongly referenced: the embedded server logs every connection a stopped instance drops at ERROR. */
    static final java.util.logging.Logger MONGO_WIRE_LOG = java.util.logging.Logger.getLogger("de.bwaldvogel");
    static String mongoUri;
    static final String SECRET = randomSecret();
    static final List<PackagedApp> instances = new ArrayList<>();
    static final List<PackagedApp> extra = new ArrayList<>();
    static final Map<String, String> results = new LinkedHashMap<>();
    static final List<String> notes = new ArrayList<>();
    static volatile boolean failed;

    static String token;
    static String sessionCookie;

    // background load
    static final AtomicBoolean loadStop = new AtomicBoolean();
    static final AtomicLongArray served = new AtomicLongArray(3);
    static final AtomicLongArray errors = new AtomicLongArray(3);
    static final AtomicLong loadTotal = new AtomicLong();
    static final List<String> errorSamples = java.util.Collections.synchronizedList(new ArrayList<>());
    static ExecutorService loadPool;
    static long loadStarted;
    static volatile long loadMillis;

    @RegisterExtension
    static final TestWatcher WATCHER = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed = true;
        }
    };

    // ------------------------------------------------------------------ lifecycle

    @BeforeAll
    static void startAll() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: run the package phase first (./mvnw verify does)");
        Runtime.getRuntime().addShutdownHook(new Thread(ScaleOutIT::killAll, "scaleout-kill"));
        MONGO_WIRE_LOG.setLevel(java.util.logging.Level.OFF);
        mongo = new MongoServer(new MemoryBackend());
        mongo.enableOplog();
        int mport = freePort();
        mongo.bind("127.0.0.1", mport);
        mongoUri = "mongodb://127.0.0.1:" + mport + "/?serverSelectionTimeoutMS=5000";
        try {
            for (int i = 1; i <= 3; i++) {
                Map<String, String> env = baseEnv("labs_db", mongoUri);
                env.put("LABS_TOKEN_SECRET", SECRET);
                instances.add(new PackagedApp("scaleout", String.valueOf(i), env));
            }
            long t0 = System.nanoTime();
            for (PackagedApp in : instances) {
                in.start();
            }
            for (PackagedApp in : instances) {
                results.put("start-up (3 at once), instance " + in.name, in.awaitStarted(Duration.ofSeconds(90)) + " ms");
            }
            notes.add("3 instances started together in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        } catch (Throwable t) {
            failed = true;
            throw t;
        }
        token = login(instances.get(0), "/auth/token").body().replaceAll(".*\"access_token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        assertTrue(token.split("\\.").length == 3, "no JWT from /auth/token: " + token);
        startLoad();
    }

    static Map<String, String> baseEnv(String db, String uri) {
        Map<String, String> env = new HashMap<>();
        env.put("MONGO_URI", uri);
        env.put("LABS_DB_NAME", db);
        env.put("ADMIN_EMAIL", ADMIN_EMAIL);
        env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("LABS_EXPERIMENTS_DIR", ROOT.resolve("experiments").toString());
        env.remove("LABS_TOKEN_SECRET");
        return env;
    }

    @AfterAll
    static void stopAll() throws Exception {
        stopLoad();
        try {
            report();
        } finally {
            if (failed) {
                for (PackagedApp in : allInstances()) {
                    in.printTail(40);
                }
            }
            killAll();
        }
    }

    static List<PackagedApp> allInstances() {
        List<PackagedApp> all = new ArrayList<>(instances);
        all.addAll(extra);
        return all;
    }

    static synchronized void killAll() {
        for (PackagedApp in : allInstances()) {
            if (in.process != null && in.process.isAlive()) {
                in.killNow();
            }
        }
        for (PackagedApp in : allInstances()) {
            try {
                if (in.process != null) {
                    in.process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (in.dataDir != null) {
                PackagedApp.deleteTree(in.dataDir);
            }
        }
        for (MongoServer m : new MongoServer[] {mongo, mongoNoOplog}) {
            if (m != null) {
                m.shutdownNow();
            }
        }
        mongo = null;
        mongoNoOplog = null;
    }

    // ------------------------------------------------------------------ load

    static void startLoad() {
        loadStarted = System.nanoTime();
        loadPool = Executors.newFixedThreadPool(LOAD_THREADS, r -> {
            Thread t = new Thread(r, "scaleout-load");
            t.setDaemon(true);
            return t;
        });
        String[] paths = {"/", "/api/experiments"};
        for (int t = 0; t < LOAD_THREADS; t++) {
            int offset = t;
            loadPool.submit(() -> {
                long deadline = loadStarted + LOAD_MAX_TIME.toNanos();
                for (long n = offset; !loadStop.get() && System.nanoTime() < deadline; n++) {
                    if (loadTotal.incrementAndGet() > LOAD_MAX_REQUESTS) {
                        break;
                    }
                    int i = (int) (n % 3);
                    PackagedApp in = instances.get(i);
                    if (in.down) {
                        loadTotal.decrementAndGet();
                        continue;
                    }
                    String path = paths[(int) ((n / 3) % paths.length)];
                    try {
                        HttpResponse<Void> r = in.http.send(get(in.url(path)).build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                            served.incrementAndGet(i);
                        } else {
                            errors.incrementAndGet(i);
                            sample("instance " + in.name + " GET " + path + " -> " + r.statusCode());
                        }
                    } catch (IOException e) {
                        if (!in.down) {
                            errors.incrementAndGet(i);
                            sample("instance " + in.name + " GET " + path + " -> " + e);
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    static void sample(String s) {
        if (errorSamples.size() < 10) {
            errorSamples.add(s);
        }
    }

    static void stopLoad() throws InterruptedException {
        if (loadPool == null) {
            return;
        }
        loadStop.set(true);
        loadPool.shutdown();
        loadPool.awaitTermination(15, TimeUnit.SECONDS);
        loadMillis = (System.nanoTime() - loadStarted) / 1_000_000;
        loadPool = null;
    }

    // ------------------------------------------------------------------ checks

    @Test
    @Order(1)
    void statusChangeReachesEveryInstanceWithin2s() throws Exception {
        String page = "/experiments/click_tracker/";
        for (PackagedApp in : instances) {
            assertEquals(200, status(in, page, null), "click_tracker should be served by instance " + in.name);
        }
        // deactivate on instance 1, watch 2 and 3
        Map<String, Long> off = propagate(instances.get(0), "inactive", page, 404);
        // reactivate on instance 1, watch 2 and 3
        Map<String, Long> on = propagate(instances.get(0), "active", page, 200);
        off.forEach((n, ms) -> results.put("(a) inactive on 1 -> 404 on " + n, ms + " ms"));
        on.forEach((n, ms) -> results.put("(a) active on 1 -> 200 on " + n, ms + " ms"));
        for (Map.Entry<String, Long> e : off.entrySet()) {
            assertTrue(e.getValue() <= PROPAGATION_LIMIT_MS, "deactivation reached instance " + e.getKey() + " after " + e.getValue() + " ms");
        }
        for (Map.Entry<String, Long> e : on.entrySet()) {
            assertTrue(e.getValue() <= PROPAGATION_LIMIT_MS, "reactivation reached instance " + e.getKey() + " after " + e.getValue() + " ms");
        }
    }

    /** Sets the status on {@code writer}; returns ms from its 200 until each other instance answers {@code expect}. */
    Map<String, Long> propagate(PackagedApp writer, String statusValue, String page, int expect) throws Exception {
        HttpResponse<String> r = writer.http.send(bearer(post(writer.url("/admin/api/experiments/click_tracker/status"),
                "application/json", "{\"status\": \"" + statusValue + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        long t0 = System.nanoTime();
        assertEquals(200, r.statusCode(), "status change refused: " + r.body());
        assertEquals(expect, status(writer, page, null), "the writing instance itself did not apply the change at once");
        Map<String, Long> out = new LinkedHashMap<>();
        ExecutorService watchers = Executors.newFixedThreadPool(2);
        try {
            Map<String, Future<Long>> fs = new LinkedHashMap<>();
            for (PackagedApp in : instances) {
                if (in != writer) {
                    fs.put(in.name, watchers.submit(() -> pollUntil(t0, PROPAGATION_LIMIT_MS * 3, () -> status(in, page, null) == expect)));
                }
            }
            for (Map.Entry<String, Future<Long>> f : fs.entrySet()) {
                out.put(f.getKey(), f.getValue().get());
            }
        } finally {
            watchers.shutdownNow();
        }
        return out;
    }

    @Test
    @Order(2)
    void uploadedBundleIsServedByEveryInstance() throws Exception {
        PackagedApp uploader = instances.get(1);
        byte[] zip = probeZip();
        long s0 = System.nanoTime();
        HttpResponse<String> r = uploader.http.send(bearer(HttpRequest.newBuilder(URI.create(uploader.url("/admin/api/experiments/" + PROBE_SLUG + "/bundle")))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zip))).build(), HttpResponse.BodyHandlers.ofString());
        long t0 = System.nanoTime();
        assertTrue(r.statusCode() == 200 || r.statusCode() == 201, "upload refused: " + r.statusCode() + " " + r.body());
        results.put("(b) upload on 2 (" + zip.length + " B ZIP), request", (t0 - s0) / 1_000_000 + " ms");
        String page = "/experiments/" + PROBE_SLUG + "/";
        assertTrue(body(uploader, page).contains(PROBE_MARKER), "the uploading instance does not serve its own upload");
        for (PackagedApp in : List.of(instances.get(0), instances.get(2))) {
            long ms = pollUntil(t0, BUNDLE_LIMIT_MS * 2, () -> body(in, page).contains(PROBE_MARKER));
            results.put("(b) bundle from 2 served by " + in.name, ms + " ms");
            assertTrue(ms <= BUNDLE_LIMIT_MS, "instance " + in.name + " served the upload after " + ms + " ms");
        }
    }

    @Test
    @Order(3)
    void tokensAndSessionsWorkOnEveryInstance() throws Exception {
        // bearer token issued by instance 1, used on 2 and 3 (identity and an admin route)
        for (PackagedApp in : instances.subList(1, 3)) {
            long t0 = System.nanoTime();
            HttpResponse<String> me = in.http.send(bearer(get(in.url("/auth/me"))).build(), HttpResponse.BodyHandlers.ofString());
            int admin = in.http.send(bearer(get(in.url("/admin/api/experiments"))).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            results.put("(c) token from 1 on " + in.name + " (/auth/me + admin GET)", (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertEquals(200, me.statusCode(), "token from instance 1 refused by " + in.name + ": " + me.body());
            assertTrue(me.body().contains(ADMIN_EMAIL), me.body());
            assertEquals(200, admin, "admin GET with the token on instance " + in.name);
        }
        // session cookie from a JSON login on instance 3, used on 1 and 2 (a GET, and a CSRF-checked POST)
        HttpResponse<String> login = login(instances.get(2), "/auth/login");
        sessionCookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("labs_session="))
                .map(c -> c.split(";", 2)[0]).findFirst().orElseThrow(() -> new AssertionError("no labs_session cookie: " + login.headers()));
        for (PackagedApp in : instances.subList(0, 2)) {
            long t0 = System.nanoTime();
            HttpResponse<String> me = in.http.send(get(in.url("/auth/me")).header("Cookie", sessionCookie).build(), HttpResponse.BodyHandlers.ofString());
            // cookie-authenticated admin calls carry the panel's token, read from the panel page as a browser would
            String panel = in.http.send(get(in.url("/admin")).header("Cookie", sessionCookie).header("Sec-Fetch-Dest", "document")
                    .header("Sec-Fetch-Mode", "navigate").build(), HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher token = java.util.regex.Pattern.compile("name=\"labs-admin-token\" content=\"([^\"]+)\"").matcher(panel);
            assertTrue(token.find(), "no admin token in the panel page of " + in.name);
            HttpResponse<String> reload = in.http.send(post(in.url("/admin/api/experiments/notes/reload"), "application/json", "")
                    .header("Cookie", sessionCookie).header("Origin", in.url("")).header("X-Labs-Admin-Token", token.group(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            results.put("(c) cookie from 3 on " + in.name + " (/auth/me + admin POST)", (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertEquals(200, me.statusCode(), "session from instance 3 refused by " + in.name + ": " + me.body());
            assertTrue(me.body().contains(ADMIN_EMAIL), me.body());
            assertEquals(200, reload.statusCode(), "cookie-authenticated POST on instance " + in.name + ": " + reload.body());
        }
    }

    @Test
    @Order(4)
    void instanceRestartedWithEmptyDiskNeedsNothingItHad() throws Exception {
        PackagedApp two = instances.get(1);
        long down0 = System.nanoTime();
        two.down = true;
        Thread.sleep(300); // let in-flight load requests to it finish
        two.stop();
        Path old = two.dataDir;
        two.deleteData();
        assertTrue(!Files.exists(old), "data dir not deleted");
        two.http = PackagedApp.newClient();
        two.start();
        long startup = two.awaitStarted(Duration.ofSeconds(90));
        results.put("(d) restart of 2 with an empty LABS_DATA_DIR, same port", startup + " ms");
        notes.add("Instance 2 was out of the load rotation for " + (System.nanoTime() - down0) / 1_000_000
                + " ms (stop, wipe, restart in (d)); the load threads skipped it meanwhile.");
        long t0 = System.nanoTime();
        String page = body(two, "/experiments/" + PROBE_SLUG + "/");
        results.put("(d) restarted 2 serves the bundle (first request)", (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertTrue(page.contains(PROBE_MARKER), "restarted instance does not serve the uploaded bundle: " + page);
        assertEquals(404, status(two, "/experiments/no_such_thing/", null));
        assertEquals(200, two.http.send(bearer(get(two.url("/auth/me"))).build(), HttpResponse.BodyHandlers.discarding()).statusCode(),
                "restarted instance refuses the token issued before the restart");
        assertEquals(200, two.http.send(get(two.url("/auth/me")).header("Cookie", sessionCookie).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode(), "restarted instance refuses the session issued before the restart");
        results.put("(d) restarted 2 accepts the earlier token and cookie", "yes");
        // and it follows live changes like the others
        Map<String, Long> off = propagate(instances.get(2), "inactive", "/experiments/click_tracker/", 404);
        Map<String, Long> on = propagate(instances.get(2), "active", "/experiments/click_tracker/", 200);
        results.put("(d) inactive on 3 -> 404 on restarted 2", off.get("2") + " ms");
        results.put("(d) active on 3 -> 200 on restarted 2", on.get("2") + " ms");
        assertTrue(off.get("2") <= PROPAGATION_LIMIT_MS && on.get("2") <= PROPAGATION_LIMIT_MS, "restarted instance is slow to follow: " + off + on);
    }

    @Test
    @Order(5)
    void loadWasServedByAllWithoutErrors() throws Exception {
        stopLoad();
        for (int i = 0; i < 3; i++) {
            assertTrue(served.get(i) > 0, "instance " + (i + 1) + " served no load");
        }
        long errs = errors.get(0) + errors.get(1) + errors.get(2);
        assertEquals(0, errs, "load errors: " + errorSamples);
    }

    /**
     * Variant on a second server WITHOUT an oplog (no change streams: the polling fallback must carry live changes)
     * and WITHOUT LABS_TOKEN_SECRET (the replicas must share the secret generated once and stored in the database).
     * Both run in the default (prod) profile, which accepts the generated secret (contract section 6).
     */
    @Test
    @Order(6)
    void withoutOplogAndTokenSecretTwoReplicasStillAgree() throws Exception {
        mongoNoOplog = new MongoServer(new MemoryBackend());
        int mport = freePort();
        mongoNoOplog.bind("127.0.0.1", mport);
        for (String n : List.of("nooplog-a", "nooplog-b")) {
            Map<String, String> env = baseEnv("labs_db", "mongodb://127.0.0.1:" + mport + "/?serverSelectionTimeoutMS=5000");
            extra.add(new PackagedApp("scaleout", n, env));
        }
        for (PackagedApp in : extra) {
            in.start();
        }
        for (PackagedApp in : extra) {
            in.awaitStarted(Duration.ofSeconds(90));
        }
        PackagedApp a = extra.get(0);
        PackagedApp b = extra.get(1);
        String t = login(a, "/auth/token").body().replaceAll(".*\"access_token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        HttpResponse<String> me = b.http.send(get(b.url("/auth/me")).header("Authorization", "Bearer " + t).build(), HttpResponse.BodyHandlers.ofString());
        results.put("(e) no oplog, no LABS_TOKEN_SECRET: token from A accepted by B", me.statusCode() == 200 ? "yes" : "NO (" + me.statusCode() + ")");
        assertEquals(200, me.statusCode(), "token from replica A (database-stored secret) refused by B: " + me.body());
        HttpResponse<String> foreign = b.http.send(get(b.url("/auth/me")).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, foreign.statusCode(), "a token signed with another deployment's secret must be refused");

        String page = "/experiments/click_tracker/";
        long[] ms = new long[2];
        String[] states = {"inactive", "active"};
        int[] expect = {404, 200};
        for (int k = 0; k < 2; k++) {
            HttpResponse<String> r = a.http.send(post(a.url("/admin/api/experiments/click_tracker/status"), "application/json",
                    "{\"status\": \"" + states[k] + "\"}").header("Authorization", "Bearer " + t).build(), HttpResponse.BodyHandlers.ofString());
            long t0 = System.nanoTime();
            assertEquals(200, r.statusCode(), r.body());
            int want = expect[k];
            ms[k] = pollUntil(t0, PROPAGATION_LIMIT_MS * 3, () -> status(b, page, null) == want);
        }
        results.put("(e) no oplog (polling fallback): inactive on A -> 404 on B", ms[0] + " ms");
        results.put("(e) no oplog (polling fallback): active on A -> 200 on B", ms[1] + " ms");
        assertTrue(Files.readString(b.log()).contains("polling"), "replica B did not fall back to polling");
        assertTrue(ms[0] <= PROPAGATION_LIMIT_MS && ms[1] <= PROPAGATION_LIMIT_MS, "polling fallback too slow: " + ms[0] + ", " + ms[1] + " ms");
    }

    // ------------------------------------------------------------------ report

    static void report() throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Scale-out proof (ScaleOutIT)\n\n");
        md.append("Three instances of target/quarkus-app/quarkus-run.jar (-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1) on one "
                + "mongo-java-server (memory backend with oplog; it reports no replica set, so the change feed polls labs_changes every 1 s; "
                + "on a replica set it uses change streams), ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs. Propagation times run from the writer's 200 response to the first matching answer of the other "
                        + "instance (polled every 10 ms). (e): two more instances on a second server WITHOUT an oplog "
                        + "(polling, 1 s) and without LABS_TOKEN_SECRET (prod profile, generated secret).\n\n");
        md.append("| check | result |\n|---|---|\n");
        results.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\nBackground load (GET / and GET /api/experiments, round-robin, ").append(LOAD_THREADS)
                .append(" threads, closed loop) during the checks: ").append(loadMillis).append(" ms\n\n");
        md.append("| instance | requests served (200) | errors |\n|---|---|---|\n");
        long total = 0;
        long errs = 0;
        for (int i = 0; i < 3; i++) {
            md.append("| ").append(i + 1).append(" | ").append(served.get(i)).append(" | ").append(errors.get(i)).append(" |\n");
            total += served.get(i);
            errs += errors.get(i);
        }
        md.append("| all | ").append(total).append(" (").append(loadMillis > 0 ? total * 1000 / loadMillis : 0).append(" req/s) | ")
                .append(errs).append(" |\n");
        if (!errorSamples.isEmpty()) {
            md.append("\nError samples: ").append(errorSamples).append('\n');
        }
        for (String n : notes) {
            md.append("\n").append(n).append('\n');
        }
        if (failed) {
            md.append("\n**FAILED**: see target/scaleout-*.log\n");
        }
        Files.createDirectories(TARGET);
        Files.writeString(TARGET.resolve("scaleout.md"), md);
        System.out.println("\n" + md);
    }

    // ------------------------------------------------------------------ helpers

    static HttpResponse<String> login(PackagedApp in, String path) throws Exception {
        HttpResponse<String> r = in.http.send(post(in.url(path), "application/json",
                "{\"email\": \"" + ADMIN_EMAIL + "\", \"password\": \"" + ADMIN_PASSWORD + "\"}").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "login on instance " + in.name + " " + path + ": " + r.body());
        return r;
    }

    static long pollUntil(long t0, long maxMs, Callable<Boolean> ok) {
        long left = Math.max(1, maxMs - (System.nanoTime() - t0) / 1_000_000);
        await().atMost(Duration.ofMillis(left)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(ok);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static int status(PackagedApp in, String path, String cookie) throws Exception {
        HttpRequest.Builder b = get(in.url(path));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return in.http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String body(PackagedApp in, String path) throws Exception {
        HttpResponse<String> r = in.http.send(get(in.url(path)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? r.body() : "";
    }

    static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    }

    static HttpRequest.Builder post(String url, String type, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static HttpRequest.Builder bearer(HttpRequest.Builder b) {
        return b.header("Authorization", "Bearer " + token);
    }

    static byte[] probeZip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("manifest.json"));
            zip.write(("{\"name\": \"Scale-out probe\", \"slug\": \"" + PROBE_SLUG + "\", \"status\": \"active\","
                    + " \"description\": \"uploaded by ScaleOutIT\"}").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("static/index.html"));
            zip.write(("<!doctype html><title>probe</title><p>" + PROBE_MARKER + "</p>\n").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static int freePort() throws IOException {
        return PackagedApp.freePort();
    }

    static String randomSecret() {
        byte[] b = new byte[48];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

}
