// Faults benchmark (issue 11), run by bench/faults.sh with the test classpath (target/classes, target/test-classes).
// 1. Embedded store durability: 4 writers insert 250-byte documents into a child-JVM store for BENCH_SECONDS, the
//    store is killed with SIGKILL while they write and restarted on the same folder: writes/s and acknowledged
//    writes lost, per labs.store.durability (delayed = mongo-java-server's default, commit, fsync).
// 2. The packaged jar on its embedded store, per durability mode: 4 clients POST clicks through the data API for
//    BENCH_SECONDS, the jar is killed with SIGKILL, restarted on the same folder: writes/s through the whole service
//    and acknowledged (201) writes lost.
// 3. Outages against the packaged service (MONGO_URI pointing at a TCP proxy in this process, in front of a
//    memory-backend store in this process): time from killing the database to readiness DOWN, from restarting it
//    to readiness UP, statuses of writes meanwhile; then the proxy frozen: the longest request and its status.
import com.modularlabs.packaged.PackagedApp;
import com.modularlabs.store.FreezableMongoResource;
import com.modularlabs.store.StoreChild;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;

public class FaultsBench {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        String loadAtStart = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        int seconds = Integer.parseInt(System.getenv().getOrDefault("BENCH_SECONDS", "5"));
        StringBuilder md = new StringBuilder();
        md.append("| durability, store alone (4 driver clients, then SIGKILL) | acknowledged writes/s (all rounds) | throughput vs delayed | acknowledged | lost after SIGKILL (sum of rounds) |\n|---|---|---|---|---|\n");
        // modes interleaved over several rounds, so a busy machine's load drifts over all of them alike
        List<String> modes = List.of("delayed", "commit", "fsync");
        Map<String, long[]> sums = new java.util.LinkedHashMap<>();
        int rounds = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "3"));
        if (args.length > 0 && "startup".equals(System.getenv("BENCH_PART"))) {
            String out = startup(Path.of(args[0]));
            System.out.println(out);
            return;
        }
        for (int round = 0; round < rounds; round++) {
            for (String mode : modes) {
                long[] r = durability(mode, seconds);
                long[] acc = sums.computeIfAbsent(mode, m -> new long[3]);
                acc[0] += r[0];
                acc[1] += r[1];
                acc[2] += r[2];
                System.out.println(mode + " round " + (round + 1) + ": " + r[1] + " acknowledged in " + r[0] + " ms, " + r[2] + " lost");
            }
        }
        long[] base = sums.get("delayed");
        for (String mode : modes) {
            long[] acc = sums.get(mode);
            md.append("| ").append(mode).append(" | ").append(acc[1] * 1000 / Math.max(1, acc[0])).append(" | ").append(cost(acc[1], acc[0], base[1], base[0]))
                    .append(" | ").append(acc[1]).append(" | ").append(acc[2]).append(" |\n");
        }
        if (args.length > 0) {
            Path jar = Path.of(args[0]);
            md.append('\n').append(part("packaged jar killed", () -> jarKills(modes, seconds)));
            md.append('\n').append(part("outages", () -> outages(jar)));
            md.append('\n').append(part("database absent at startup", () -> startup(jar)));
        }
        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        String head = "Run of `bench/run.sh faults` on " + java.time.LocalDate.now() + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, Java " + System.getProperty("java.version") + ", load average " + loadAtStart + " at the start and " + load
                + " at the end; BENCH_SECONDS=" + seconds + ", BENCH_ROUNDS=" + rounds + ".\n\n";
        System.out.println();
        System.out.println(head + md);
        Files.writeString(Path.of(System.getenv().getOrDefault("BENCH_OUT", "bench/results/faults.md")), head + md);
        String docs = System.getenv().getOrDefault("BENCH_DOCS", "docs/benchmarks.md");
        if (!docs.isEmpty()) {
            intoDocs(Path.of(docs), head + md);
        }
    }

    /**
     * Stack-trace lines in a log, and apart from them those of Vert.x blocked-thread warnings (a starved event loop
     * on a loaded machine dumps its stack; that is load, not an error path logging a trace).
     */
    static String traces(Path log) throws java.io.IOException {
        long errors = 0;
        long blocked = 0;
        boolean inBlocked = false;
        for (String l : Files.readAllLines(log)) {
            if (l.startsWith("\tat ")) {
                if (inBlocked) {
                    blocked++;
                } else {
                    errors++;
                }
            } else {
                inBlocked = l.contains("BlockedThreadChecker");
            }
        }
        return errors + (blocked > 0 ? " (+" + blocked + " in Vert.x blocked-thread warnings)" : "");
    }

    /** One part's table, or a line saying why it failed (the other parts still report). */
    static String part(String name, java.util.concurrent.Callable<String> run) {
        try {
            String out = run.call();
            System.out.println(out);
            return out;
        } catch (Exception e) {
            e.printStackTrace();
            return "**" + name + ": failed** (" + e + ")\n";
        }
    }

    /** Throughput of (n writes in ms) relative to the baseline's, as "-12 %". */
    static String cost(long n, long ms, long baseN, long baseMs) {
        double rate = n * 1000.0 / Math.max(1, ms);
        double baseRate = baseN * 1000.0 / Math.max(1, baseMs);
        return baseRate == 0 ? "n/a" : String.format("%+.0f %%", (rate / baseRate - 1) * 100);
    }

    static final String BEGIN = "<!-- faults:begin (written by bench/run.sh faults) -->";
    static final String END = "<!-- faults:end -->";

    /** Replaces the block between the faults markers of docs/benchmarks.md with this run's tables. */
    static void intoDocs(Path docs, String md) throws java.io.IOException {
        String text = Files.readString(docs);
        int a = text.indexOf(BEGIN);
        int b = text.indexOf(END);
        if (a < 0 || b < a) {
            System.out.println("(no faults markers in " + docs + ": not updated)");
            return;
        }
        Files.writeString(docs, text.substring(0, a + BEGIN.length()) + "\n" + md + text.substring(b));
        System.out.println("Updated the faults section of " + docs);
    }

    /**
     * The packaged jar on its embedded store in {@code mode}: 4 clients POST clicks for {@code seconds}, SIGKILL,
     * restart on the same folder; acknowledged writes/s through the service and acknowledged writes missing after.
     */
    static String jarKills(List<String> modes, int seconds) throws Exception {
        StringBuilder md = new StringBuilder("| durability, packaged jar (4 HTTP clients, then SIGKILL) | acknowledged writes/s | throughput vs delayed | acknowledged | lost after SIGKILL + restart | restart → ready |\n|---|---|---|---|---|---|\n");
        List<String[]> rows = new ArrayList<>();
        long[] base = new long[2];
        for (String mode : modes) {
            Map<String, String> env = PackagedApp.embeddedEnv("bench-admin@example.com", "bench-admin-password-1");
            env.put("LABS_STORE_DURABILITY", mode);
            PackagedApp app = new PackagedApp("bench-faults", mode, env);
            try {
                app.start();
                app.awaitReady(Duration.ofSeconds(180));
                String clicks = app.url("/experiments/click_tracker/api/clicks");
                post(clicks); // warm-up
                List<String> acked = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean killed = new AtomicBoolean();
                List<Thread> writers = new ArrayList<>();
                long start = System.nanoTime();
                for (int w = 0; w < 4; w++) {
                    Thread t = new Thread(() -> {
                        while (!killed.get()) {
                            try {
                                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(clicks)).timeout(Duration.ofSeconds(60))
                                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"button\":\"blue\"}")).build(),
                                        HttpResponse.BodyHandlers.discarding());
                                if (r.statusCode() == 201) {
                                    String loc = r.headers().firstValue("Location").orElse("");
                                    acked.add(loc.substring(loc.lastIndexOf('/') + 1));
                                }
                            } catch (Exception gone) {
                                return;
                            }
                        }
                    });
                    t.start();
                    writers.add(t);
                }
                Thread.sleep(seconds * 1000L);
                long elapsed = System.nanoTime() - start;
                app.kill();
                killed.set(true);
                for (Thread t : writers) {
                    t.join();
                }
                List<String> ids = new ArrayList<>(acked);
                long restart = System.nanoTime();
                app.start();
                app.awaitReady(Duration.ofSeconds(180));
                long ready = System.nanoTime() - restart;
                long lost = 0;
                try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + env.get("LABS_EMBEDDED_MONGO_PORT") + "/?serverSelectionTimeoutMS=5000")) {
                    MongoCollection<Document> c = client.getDatabase("labs_db").getCollection("click_tracker_clicks");
                    for (int i = 0; i < ids.size(); i += 2000) {
                        List<org.bson.types.ObjectId> part = ids.subList(i, Math.min(ids.size(), i + 2000)).stream().map(org.bson.types.ObjectId::new).toList();
                        lost += part.size() - c.countDocuments(Filters.in("_id", part));
                    }
                }
                System.out.println("jar " + mode + ": " + ids.size() + " acknowledged in " + ms(elapsed) + " ms, " + lost + " lost");
                if (mode.equals("delayed")) {
                    base[0] = ids.size();
                    base[1] = ms(elapsed);
                }
                rows.add(new String[] {mode, String.valueOf(ids.size()), String.valueOf(ms(elapsed)), String.valueOf(lost), String.valueOf(ms(ready))});
            } finally {
                app.killNow();
                PackagedApp.deleteTree(app.dataDir);
            }
        }
        for (String[] r : rows) {
            long n = Long.parseLong(r[1]);
            long t = Long.parseLong(r[2]);
            md.append("| ").append(r[0]).append(" | ").append(n * 1000 / Math.max(1, t)).append(" | ").append(cost(n, t, base[0], base[1]))
                    .append(" | ").append(n).append(" | ").append(r[3]).append(" | ").append(r[4]).append(" ms |\n");
        }
        return md.toString();
    }

    /** {milliseconds written, acknowledged, lost}. */
    static long[] durability(String mode, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("labs-bench-faults");
        List<List<Integer>> acked = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        StoreChild child = StoreChild.start(dir, mode);
        long start;
        long elapsed;
        try (MongoClient client = MongoClients.create(child.uri())) {
            MongoCollection<Document> c = client.getDatabase("labs_db").getCollection("bench");
            c.insertOne(new Document("_id", -1)); // warm-up: connection and collection exist before the clock starts
            List<Future<?>> writers = new ArrayList<>();
            start = System.nanoTime();
            for (int w = 0; w < 4; w++) {
                List<Integer> mine = Collections.synchronizedList(new ArrayList<>());
                acked.add(mine);
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int i = 0; ; i++) {
                        try {
                            c.insertOne(new Document("_id", writer * 10_000_000 + i).append("payload", "x".repeat(250)));
                        } catch (RuntimeException killed) {
                            return;
                        }
                        mine.add(writer * 10_000_000 + i);
                    }
                }));
            }
            Thread.sleep(seconds * 1000L);
            elapsed = System.nanoTime() - start;
            child.kill();
            for (Future<?> f : writers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long total = acked.stream().mapToLong(List::size).sum();
        long lost = 0;
        try (StoreChild again = StoreChild.start(dir, mode); MongoClient client = MongoClients.create(again.uri())) {
            MongoCollection<Document> c = client.getDatabase("labs_db").getCollection("bench");
            for (List<Integer> mine : acked) {
                List<Integer> ids = new ArrayList<>(mine);
                for (int i = 0; i < ids.size(); i += 5000) {
                    List<Integer> part = ids.subList(i, Math.min(ids.size(), i + 5000));
                    lost += part.size() - c.countDocuments(Filters.in("_id", part));
                }
            }
        }
        return new long[] {elapsed / 1_000_000, total, lost};
    }

    static String outages(Path jar) throws Exception {
        FreezableMongoResource db = new FreezableMongoResource();
        String uri = db.start().get("quarkus.mongodb.connection-string").replace("serverSelectionTimeoutMS=3000", "serverSelectionTimeoutMS=5000");
        int port;
        int managementPort; // health is on the management interface
        try (java.net.ServerSocket s = new java.net.ServerSocket(0); java.net.ServerSocket m = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
            managementPort = m.getLocalPort();
        }
        Path data = Files.createTempDirectory("labs-bench-faults-app");
        Path log = data.resolve("app.log");
        String base = "http://127.0.0.1:" + port;
        String health = "http://127.0.0.1:" + managementPort + "/q/health/ready";
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx512m", "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("PORT", String.valueOf(port), "LABS_HTTP_HOST", "127.0.0.1", "MONGO_URI", uri,
                "LABS_DATA_DIR", data.toString(), "ADMIN_PASSWORD", "bench-admin-password-1",
                "LABS_EXPERIMENTS_DIR", Path.of("experiments").toAbsolutePath().toString(),
                "LABS_MANAGEMENT_PORT", String.valueOf(managementPort), "LABS_MANAGEMENT_HOST", "127.0.0.1"));
        Process app = pb.start();
        StringBuilder md = new StringBuilder("| outage figure | value |\n|---|---|\n");
        try {
            awaitStatus(health, 200, 120);
            String clicks = base + "/experiments/click_tracker/api/clicks";
            post(clicks);

            // database killed while 4 clients write
            Load load = new Load(clicks);
            Thread.sleep(1000);
            long killed = System.nanoTime();
            FreezableMongoResource.stopDatabase();
            awaitStatus(health, 503, 60);
            long down = System.nanoTime();
            Thread.sleep(5000);
            long restarted = System.nanoTime();
            FreezableMongoResource.startDatabase();
            awaitStatus(health, 200, 120);
            long up = System.nanoTime();
            Thread.sleep(1000);
            Map<Integer, Long> statuses = load.stop();
            md.append("| database killed → readiness DOWN | ").append(ms(down - killed)).append(" ms |\n");
            md.append("| database back → readiness UP | ").append(ms(up - restarted)).append(" ms |\n");
            md.append("| write statuses during kill + restart (4 clients) | ").append(statuses).append(" |\n");
            md.append("| longest write during the kill | ").append(load.longest.get() / 1_000_000).append(" ms |\n");

            // database frozen: accepts connections, answers nothing
            Load frozen = new Load(clicks);
            Thread.sleep(1000);
            FreezableMongoResource.freeze();
            Thread.sleep(20_000);
            Map<Integer, Long> fs = frozen.stop();
            FreezableMongoResource.thaw();
            md.append("| longest request while frozen for 20 s (LABS_MONGO_OPERATION_TIMEOUT=6s) | ").append(frozen.longest.get() / 1_000_000).append(" ms |\n");
            md.append("| write statuses while frozen (4 clients) | ").append(fs).append(" |\n");
            long warns = Files.readAllLines(log).stream().filter(l -> l.contains("StoreOutage")).count();
            String traces = traces(log);
            md.append("| StoreOutage WARN lines / stack-trace lines in the log | ").append(warns).append(" / ").append(traces).append(" |\n");
        } finally {
            app.destroy();
            app.waitFor();
            db.stop();
        }
        return md.toString();
    }

    /** The database absent at startup: time to liveness, what readiness and the home page say, SIGTERM to exit. */
    static String startup(Path jar) throws Exception {
        int port;
        int dead;
        int managementPort; // health is on the management interface (its default port, 9000, may be taken)
        try (java.net.ServerSocket a = new java.net.ServerSocket(0); java.net.ServerSocket b = new java.net.ServerSocket(0);
                java.net.ServerSocket m = new java.net.ServerSocket(0)) {
            port = a.getLocalPort();
            dead = b.getLocalPort(); // closed again: connection refused, the database is absent
            managementPort = m.getLocalPort();
        }
        Path data = Files.createTempDirectory("labs-bench-faults-start");
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx512m", "-jar", jar.toString()).redirectErrorStream(true)
                .redirectOutput(data.resolve("app.log").toFile());
        pb.environment().putAll(Map.of("PORT", String.valueOf(port), "LABS_HTTP_HOST", "127.0.0.1",
                "MONGO_URI", "mongodb://127.0.0.1:" + dead + "/?serverSelectionTimeoutMS=5000", "LABS_DATA_DIR", data.toString(),
                "ADMIN_PASSWORD", "bench-admin-password-1", "LABS_EXPERIMENTS_DIR", Path.of("experiments").toAbsolutePath().toString(),
                "LABS_MANAGEMENT_PORT", String.valueOf(managementPort), "LABS_MANAGEMENT_HOST", "127.0.0.1"));
        long start = System.nanoTime();
        Process app = pb.start();
        String base = "http://127.0.0.1:" + port;
        String management = "http://127.0.0.1:" + managementPort;
        awaitStatus(management + "/q/health/live", 200, 180);
        long live = System.nanoTime();
        int ready = HTTP.send(HttpRequest.newBuilder(URI.create(management + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        HttpResponse<String> home = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/")).header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.ofString());
        Thread.sleep(10_000);
        long term = System.nanoTime();
        app.destroy(); // SIGTERM while startup is still retrying
        boolean exited = app.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        long gone = System.nanoTime();
        if (!exited) {
            app.destroyForcibly();
        }
        long retries = Files.readAllLines(data.resolve("app.log")).stream().filter(l -> l.contains("retrying with backoff")).count();
        String traces = traces(data.resolve("app.log"));
        return "| figure (database absent at startup) | value |\n|---|---|\n"
                + "| process start → liveness 200 | " + ms(live - start) + " ms |\n"
                + "| readiness / home page meanwhile | " + ready + " / " + home.statusCode() + (home.body().contains("is starting") ? " \"starting\"" : "") + " |\n"
                + "| retry log lines in the first ~10 s / stack-trace lines | " + retries + " / " + traces + " |\n"
                + "| SIGTERM → process exited | " + (exited ? ms(gone - term) + " ms" : "not within 60 s") + " |\n";
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    static final class Load {
        final AtomicBoolean run = new AtomicBoolean(true);
        final AtomicLong longest = new AtomicLong();
        final Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        final List<Thread> threads = new ArrayList<>();

        Load(String url) {
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    while (run.get()) {
                        long s = System.nanoTime();
                        int st = post(url);
                        longest.accumulateAndGet(System.nanoTime() - s, Math::max);
                        statuses.merge(st, 1L, Long::sum);
                    }
                });
                t.start();
                threads.add(t);
            }
        }

        Map<Integer, Long> stop() throws InterruptedException {
            run.set(false);
            for (Thread t : threads) {
                t.join();
            }
            return new TreeMap<>(statuses);
        }
    }

    static int post(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"button\":\"green\"}")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static void awaitStatus(String url, int status, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == status) {
                    return;
                }
            } catch (Exception e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(url + " did not answer " + status + " within " + seconds + " s");
    }
}
