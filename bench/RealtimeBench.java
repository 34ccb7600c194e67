// Realtime benchmark client (issue 12), run by bench/realtime.sh against a running service:
// OWNERS subscribers on an owner-scoped collection (one user each, seeing only their own documents) and PUBLIC
// subscribers on a public one, all over SSE from this process; then RATE writes/s for SECONDS seconds, alternating
// between the public collection and a random owner's collection (written with that owner's token). Latency: from
// the write's acknowledgement (HTTP 201 received by the writer) to each subscriber's receipt of the event.
// Prints RESULT|... for the shell script. Usage: java RealtimeBench.java URL OWNERS PUBLIC RATE SECONDS PID
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class RealtimeBench {
    static final Pattern SEQ = Pattern.compile("\"seq\":\\s*(\\d+)");
    static final Pattern TOKEN = Pattern.compile("\"access_token\":\\s*\"([^\"]+)\"");
    static String base;
    // HTTP/1.1 like a browser's EventSource on plain http: one connection per subscriber
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30))
            .executor(Executors.newFixedThreadPool(4)).build();

    /** One receipt: which write, when (nanoTime). */
    record Receipt(int seq, long at) {
    }

    static final ConcurrentLinkedQueue<Receipt> receipts = new ConcurrentLinkedQueue<>();
    static final AtomicInteger ready = new AtomicInteger();
    static final AtomicInteger ended = new AtomicInteger();
    static final AtomicLong DUPLICATES = new AtomicLong();

    static boolean seenBy(java.util.BitSet b, int seq) {
        synchronized (b) {
            return b.get(seq);
        }
    }

    public static void main(String[] a) throws Exception {
        base = a[0];
        int owners = Integer.parseInt(a[1]);
        int publics = Integer.parseInt(a[2]);
        int rate = Integer.parseInt(a[3]);
        int seconds = Integer.parseInt(a[4]);
        String pid = a[5];
        String admin = token("admin@example.com", System.getenv().getOrDefault("ADMIN_PASSWORD", "bench-admin-password-1"));

        // users and their tokens (bcrypt cost is lowered by the script: this is setup, not the measurement)
        String[] tokens = new String[owners];
        String[] emails = new String[owners];
        Semaphore inFlight = new Semaphore(16);
        CountDownLatch made = new CountDownLatch(owners);
        for (int i = 0; i < owners; i++) {
            int k = i;
            emails[k] = "rt" + k + "@bench.example";
            inFlight.acquire();
            CompletableFuture.runAsync(() -> {
                try {
                    post("/admin/api/users", "{\"email\":\"" + emails[k] + "\",\"password\":\"bench-password-1\",\"roles\":[]}", admin);
                    tokens[k] = token(emails[k], "bench-password-1");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                } finally {
                    inFlight.release();
                    made.countDown();
                }
            });
        }
        made.await();
        long heapBefore = heapAfterGc(pid);

        // subscribers: expected[i] counts the events subscriber i must receive
        int subs = owners + publics;
        AtomicInteger[] got = new AtomicInteger[subs];
        java.util.BitSet[] seen = new java.util.BitSet[subs]; // which writes each subscriber received (losses and duplicates)
        for (int i = 0; i < subs; i++) {
            got[i] = new AtomicInteger();
            seen[i] = new java.util.BitSet();
            int k = i;
            String spec = k < owners ? "[{\"collection\":\"private\",\"fields\":\"seq\"}]" : "[{\"collection\":\"board\",\"fields\":\"seq\"}]";
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + "/experiments/rtbench/api/_realtime?subscribe="
                    + URLEncoder.encode(spec, StandardCharsets.UTF_8))).header("Accept", "text/event-stream").timeout(Duration.ofHours(1));
            if (k < owners) {
                r.header("Authorization", "Bearer " + tokens[k]);
            }
            HTTP.sendAsync(r.build(), HttpResponse.BodyHandlers.fromLineSubscriber(new Lines(got[k], seen[k]))).whenComplete((res, err) -> {
                if (err != null || res.statusCode() != 200) {
                    System.err.println("subscriber " + k + ": " + (err != null ? err : "HTTP " + res.statusCode()));
                }
            });
            if (i % 100 == 99) {
                while (ready.get() < i - 200) {
                    Thread.sleep(20);
                }
            }
        }
        long waitUntil = System.currentTimeMillis() + 120_000;
        while (ready.get() < subs && System.currentTimeMillis() < waitUntil) {
            Thread.sleep(50);
        }
        System.err.println(ready.get() + " of " + subs + " subscribers ready");
        Thread.sleep(2000);
        long heapIdle = heapAfterGc(pid);

        // writes: RATE per second, alternating public / a random owner's private collection
        int total = rate * seconds;
        long[] acked = new long[total];
        int[] target = new int[total]; // -1 public, else owner index
        boolean[] acknowledged = new boolean[total]; // 201: the service must deliver it
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch writes = new CountDownLatch(total);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger next = new AtomicInteger();
        java.util.Random rnd = new java.util.Random(12);
        for (int s = 0; s < total; s++) {
            target[s] = s % 2 == 0 ? -1 : rnd.nextInt(owners);
        }
        long cpuBefore = cpuMillis(pid);
        long started = System.nanoTime();
        clock.scheduleAtFixedRate(() -> {
            int s = next.getAndIncrement();
            if (s >= total) {
                return;
            }
            String coll = target[s] < 0 ? "board" : "private";
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + "/experiments/rtbench/api/" + coll))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"seq\":" + s + "}"));
            if (target[s] >= 0) {
                r.header("Authorization", "Bearer " + tokens[target[s]]);
            }
            HTTP.sendAsync(r.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
                acked[s] = System.nanoTime();
                if (err != null || res.statusCode() != 201) {
                    failed.incrementAndGet();
                } else {
                    acknowledged[s] = true;
                }
                writes.countDown();
            });
        }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
        writes.await();
        long writeSecs = Math.max(1, (System.nanoTime() - started) / 1_000_000_000L);
        // drain: until every expected event arrived or 15 s without progress
        long expectedTotal = 0;
        for (int s = 0; s < total; s++) {
            expectedTotal += !acknowledged[s] ? 0 : target[s] < 0 ? publics : 1;
        }
        long lastCount = -1;
        long lastChange = System.currentTimeMillis();
        while (receipts.size() < expectedTotal && System.currentTimeMillis() - lastChange < 15_000) {
            Thread.sleep(200);
            if (receipts.size() != lastCount) {
                lastCount = receipts.size();
                lastChange = System.currentTimeMillis();
            }
        }
        long deliverySecs = Math.max(1, (System.nanoTime() - started) / 1_000_000_000L);
        // the service's CPU time for the writes and their delivery: a cost per event that a loaded machine does not change much
        long cpuUsed = cpuMillis(pid) - cpuBefore;
        clock.shutdownNow();

        List<Long> lat = new ArrayList<>(receipts.size());
        long early = 0;
        for (Receipt r : receipts) {
            long d = r.at() - acked[r.seq()];
            if (d < 0) {
                early++; // the event overtook the writer's HTTP response: latency 0
                d = 0;
            }
            lat.add(d);
        }
        long[] sorted = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        double p50 = sorted.length == 0 ? -1 : sorted[sorted.length / 2] / 1e6;
        double p99 = sorted.length == 0 ? -1 : sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] / 1e6;
        double max = sorted.length == 0 ? -1 : sorted[sorted.length - 1] / 1e6;
        // lost: an acknowledged write's event missing at a subscriber that may read it (refused writes are reported as failed)
        long lost = 0;
        for (int s = 0; s < total; s++) {
            if (!acknowledged[s]) {
                continue;
            }
            if (target[s] >= 0) {
                lost += seenBy(seen[target[s]], s) ? 0 : 1;
            } else {
                for (int p = owners; p < subs; p++) {
                    lost += seenBy(seen[p], s) ? 0 : 1;
                }
            }
        }
        double perSub = (heapIdle - heapBefore) / (double) subs / 1024.0;
        double cpuPerEvent = receipts.isEmpty() ? -1 : cpuUsed / (double) receipts.size();
        System.out.printf("RESULT|%d|%d|%d|%d|%d|%d|%d|%.1f|%.1f|%.1f|%d|%.0f|%.1f|%d|%d|%d|%.4f|%d%n", owners, publics, ready.get(), total,
                failed.get(), expectedTotal, receipts.size(), p50, p99, max, lost, receipts.size() / (double) deliverySecs, perSub,
                heapBefore / 1024 / 1024, heapIdle / 1024 / 1024, early, cpuPerEvent, cpuUsed);
        System.out.println("write phase " + writeSecs + " s; ended streams " + ended.get() + "; duplicate events " + DUPLICATES.get());
        System.exit(0);
    }

    /** SSE lines of one subscriber: counts data events carrying a seq. */
    static final class Lines implements Flow.Subscriber<String> {
        final AtomicInteger count;
        Flow.Subscription sub;

        final java.util.BitSet seen;

        Lines(AtomicInteger count, java.util.BitSet seen) {
            this.count = count;
            this.seen = seen;
        }

        public void onSubscribe(Flow.Subscription s) {
            sub = s;
            s.request(Long.MAX_VALUE);
        }

        public void onNext(String line) {
            if (line.startsWith("event: ready") || line.startsWith("event:ready")) {
                ready.incrementAndGet();
            } else if (line.startsWith("event: end") || line.startsWith("event:end")) {
                ended.incrementAndGet();
            } else if (line.startsWith("data:") && line.contains("\"doc\"")) {
                Matcher m = SEQ.matcher(line);
                if (m.find()) {
                    int seq = Integer.parseInt(m.group(1));
                    synchronized (seen) {
                        if (seen.get(seq)) {
                            DUPLICATES.incrementAndGet();
                        }
                        seen.set(seq);
                    }
                    receipts.add(new Receipt(seq, System.nanoTime()));
                    count.incrementAndGet();
                }
            }
        }

        public void onError(Throwable t) {
        }

        public void onComplete() {
        }
    }

    static String token(String email, String password) throws Exception {
        String body = post("/auth/token", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
        Matcher m = TOKEN.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no token for " + email + ": " + body);
        }
        return m.group(1);
    }

    static String post(String path, String json, String bearer) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) {
            r.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> res = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() >= 300) {
            throw new IllegalStateException(path + ": HTTP " + res.statusCode() + " " + res.body());
        }
        return res.body();
    }

    /** CPU time (user + system) the service process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
    static long cpuMillis(String pid) throws Exception {
        String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", pid, "stat")), StandardCharsets.UTF_8);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    /** Used heap of the service after a full GC (jcmd), in bytes. */
    static long heapAfterGc(String pid) throws Exception {
        run("jcmd", pid, "GC.run");
        Thread.sleep(500);
        run("jcmd", pid, "GC.run");
        String out = run("jcmd", pid, "GC.heap_info");
        // G1: " garbage-first heap   total 262144K, used 45678K"; Serial/Parallel print similar "used NNNK"
        Matcher m = Pattern.compile("used (\\d+)K").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in: " + out);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
