package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;

import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.TestSecurity;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The export/upload benchmark (bench/run-admin-bench.sh). Skipped unless -Dbench.mib is given. Peak RSS is this
 * JVM's VmHWM, reset (/proc/self/clear_refs) after seeding so it covers the export only.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestSecurity(user = "admin@example.com", roles = "admin")
class ExportBenchTest {
    @Inject
    MongoClient mongo;
    @ConfigProperty(name = "quarkus.mongodb.database")
    String db;

    static long status(String key) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith(key + ":")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    static void resetPeaks() throws Exception {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    static String mib(long b) {
        return String.format("%.1f MiB", b / 1048576.0);
    }

    @Test
    void exportAndUpload() throws Exception {
        String size = System.getProperty("bench.mib");
        Assumptions.assumeTrue(size != null && !size.isBlank(), "bench only with -Dbench.mib");
        long target = Long.parseLong(size) * 1024 * 1024;
        given().contentType("application/zip").body(Zips.bundle("bench", "Bench", "<p>b</p>").bytes())
                .post("/admin/api/experiments/bench/bundle").then().statusCode(200);
        MongoCollection<Document> c = mongo.getDatabase(db).getCollection("bench_notes");
        c.drop();
        long t0 = System.nanoTime();
        Random r = new Random(7);
        long written = 0;
        int n = 0;
        StringBuilder sb = new StringBuilder();
        while (written < target) {
            List<Document> batch = new ArrayList<>(1000);
            for (int i = 0; i < 1000; i++) {
                sb.setLength(0);
                for (int j = 0; j < 900; j++) {
                    sb.append((char) ('a' + r.nextInt(26)));
                }
                batch.add(new Document("experiment_id", "bench").append("n", n++).append("text", sb.toString())
                        .append("at", new java.util.Date()).append("price", new org.bson.types.Decimal128(n)));
                written += 1000;
            }
            c.insertMany(batch, new InsertManyOptions().ordered(false));
        }
        double seed = (System.nanoTime() - t0) / 1e9;
        System.gc();
        Thread.sleep(1000);
        long idle = status("VmRSS");
        resetPeaks();
        long start = System.nanoTime();
        String id = given().post("/admin/api/experiments/bench/exports").then().statusCode(202).extract().path("id");
        String st = "queued";
        while (!st.equals("done") && !st.equals("failed")) {
            Thread.sleep(200);
            st = given().get("/admin/api/exports/" + id).then().extract().path("status");
        }
        double wall = (System.nanoTime() - start) / 1e9;
        long hwm = status("VmHWM");
        long heap = peakHeap();
        Number fileSize = given().get("/admin/api/exports/" + id).then().extract().path("file_size");
        System.out.printf("BENCH export %s: %d docs (%s of documents) seeded in %.1f s; export %s in %.1f s, ZIP %s; "
                + "idle RSS %s, peak RSS %s (+%s), peak heap %s%n", size + " MiB", n, mib(written), seed, st, wall,
                fileSize == null ? "-" : mib(fileSize.longValue()), mib(idle), mib(hwm), mib(hwm - idle), mib(heap));

        // 50 MiB (just under the limit) bundle upload of incompressible data
        byte[] blob = new byte[49 * 1024 * 1024];
        r.nextBytes(blob);
        byte[] zip = Zips.bundle("bench", "Bench", "<p>b2</p>").add("static/blob.bin", blob).bytes();
        blob = null;
        System.gc();
        Thread.sleep(500);
        long idle2 = status("VmRSS");
        resetPeaks();
        long u0 = System.nanoTime();
        given().contentType("application/zip").body(zip).post("/admin/api/experiments/bench/bundle").then().statusCode(200);
        double up = (System.nanoTime() - u0) / 1e9;
        System.out.printf("BENCH upload %s bundle in %.1f s; idle RSS %s, peak RSS %s (+%s, includes the test client's copy), peak heap %s%n",
                mib(zip.length), up, mib(idle2), mib(status("VmHWM")), mib(status("VmHWM") - idle2), mib(peakHeap()));
    }
}
