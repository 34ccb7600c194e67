import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Callable;
import org.bson.Document;

/**
 * Data API benchmark (issue 4), run by bench/data.sh against the packaged service.
 * Seeds N documents straight into bench_rows with insertMany (the sync driver, in this JVM: much faster than the
 * API), then measures, each as the median of RUNS interleaved runs after WARM warm-up runs:
 *  (a) list 20 documents by an indexed filter (grp = 7) through the API vs the same find through the raw sync
 *      driver in this bench JVM (the API's overhead = ratio of medians);
 *  (b) page 1 vs page 500 (limit 20) with the keyset `after` cursor; the cursor for page 500 is reached by walking
 *      with limit 1000; beside it the raw driver's skip-based query at the same offset (9,980) and at offset 0, and
 *      the raw driver's keyset query for page 500 ({_id > last id of page 499}).
 * Args: baseUrl mongoUri dbName N RUNS WARM
 */
public class DataBench {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] a) throws Exception {
        String api = a[0] + "/experiments/bench/api/rows";
        int n = Integer.parseInt(a[3]);
        int runs = Integer.parseInt(a[4]);
        int warm = Integer.parseInt(a[5]);
        try (MongoClient client = MongoClients.create(a[1])) {
            MongoCollection<Document> raw = client.getDatabase(a[2]).getCollection("bench_rows");
            raw.deleteMany(new Document());
            long t0 = System.nanoTime();
            List<Document> batch = new ArrayList<>();
            Date now = new Date();
            for (int i = 0; i < n; i++) {
                batch.add(new Document("grp", i % 1000).append("n", i).append("label", "row " + i).append("payload", "x".repeat(100))
                        .append("experiment_id", "bench").append("created_by", null).append("created_at", now).append("updated_at", now));
                if (batch.size() == 5000 || i == n - 1) {
                    raw.insertMany(batch);
                    batch.clear();
                }
            }
            System.out.printf("seed: %,d documents with insertMany (sync driver, batches of 5000): %.1f s%n", n, (System.nanoTime() - t0) / 1e9);

            // (a) list 20 by an indexed filter: API vs raw driver
            String url = api + "?filter=" + URLEncoder.encode("{\"grp\":7}", StandardCharsets.UTF_8) + "&limit=20";
            Document q = new Document("$and", List.of(new Document("experiment_id", "bench"), new Document("grp", 7)));
            int expect = Math.min(20, (n + 992) / 1000);
            double[][] ta = timeInterleaved(runs, warm,
                    () -> count(check(get(url)).body()),
                    () -> rawFind(raw, q, 0, 20));
            if (count(get(url).body()) != expect || rawFind(raw, q, 0, 20) != expect) {
                throw new IllegalStateException("(a) expected " + expect + " documents");
            }
            double apiA = median(ta[0]), rawA = median(ta[1]);
            System.out.printf("(a) list %d by indexed filter grp=7: API median %.2f ms, raw driver median %.2f ms, ratio %.2f%n",
                    expect, apiA, rawA, apiA / rawA);

            // (b) page 1 vs page 500 (limit 20): walk to offset 9,980 with limit 1000 pages
            int offset = 499 * 20;
            long w0 = System.nanoTime();
            String after = null;
            int walked = 0;
            while (walked < offset) {
                int lim = Math.min(1000, offset - walked);
                String body = check(get(api + "?limit=" + lim + (after == null ? "" : "&after=" + after))).body();
                walked += count(body);
                int i = body.lastIndexOf("\"next\":\"");
                after = body.substring(i + 8, body.indexOf('"', i + 8));
            }
            double walk = (System.nanoTime() - w0) / 1e9;
            String page500 = api + "?limit=20&after=" + after;
            String page1 = api + "?limit=20";
            Document all = new Document("experiment_id", "bench");
            Document first500 = raw.find(all).sort(new Document("_id", 1)).skip(offset).limit(1).first();
            String got = check(get(page500)).body();
            if (!got.contains(first500.getObjectId("_id").toHexString())) {
                throw new IllegalStateException("page 500 does not start at offset " + offset);
            }
            Object lastId = raw.find(all).sort(new Document("_id", 1)).skip(offset - 1).limit(1).first().get("_id");
            Document keyset = new Document("$and", List.of(all, new Document("_id", new Document("$gt", lastId))));
            double[][] tb = timeInterleaved(runs, warm,
                    () -> count(check(get(page1)).body()),
                    () -> count(check(get(page500)).body()),
                    () -> rawFind(raw, all, 0, 20),
                    () -> rawFind(raw, all, offset, 20),
                    () -> rawFind(raw, keyset, 0, 20));
            System.out.printf("(b) walk to offset %,d with limit-1000 pages: %.1f s%n", offset, walk);
            System.out.printf("    API keyset page 1 median %.2f ms, page 500 median %.2f ms, ratio %.2f%n",
                    median(tb[0]), median(tb[1]), median(tb[1]) / median(tb[0]));
            System.out.printf("    raw skip 0 median %.2f ms, raw skip %,d median %.2f ms, ratio %.2f%n",
                    median(tb[2]), offset, median(tb[3]), median(tb[3]) / median(tb[2]));
            System.out.printf("    raw keyset (_id > last of page 499) median %.2f ms%n", median(tb[4]));
            System.out.printf("RESULT|%d|%d|%.2f|%.2f|%.2f|%.2f|%.2f|%.2f|%.2f|%.1f|%.2f%n", n, runs, apiA, rawA, apiA / rawA,
                    median(tb[0]), median(tb[1]), median(tb[2]), median(tb[3]), walk, median(tb[4]));
        }
    }

    @SafeVarargs
    static double[][] timeInterleaved(int runs, int warm, Callable<Integer>... tasks) throws Exception {
        double[][] t = new double[tasks.length][runs];
        for (int r = -warm; r < runs; r++) {
            for (int k = 0; k < tasks.length; k++) {
                long s = System.nanoTime();
                tasks[k].call();
                if (r >= 0) {
                    t[k][r] = (System.nanoTime() - s) / 1e6;
                }
            }
        }
        return t;
    }

    static int rawFind(MongoCollection<Document> raw, Document q, int skip, int limit) {
        int c = 0;
        for (Document d : raw.find(q).sort(new Document("_id", 1)).skip(skip).limit(limit).batchSize(limit + 1)) {
            d.toJson();
            c++;
        }
        return c;
    }

    /** Items in a list response (counts the documents' "_id" keys; items carry no nested _id). */
    static int count(String body) {
        int c = 0;
        for (int i = body.indexOf("\"_id\""); i >= 0; i = body.indexOf("\"_id\"", i + 1)) {
            c++;
        }
        return c;
    }

    static HttpResponse<String> check(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r;
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
