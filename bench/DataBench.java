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
import java.util.List;
import org.bson.Document;

/**
 * Data API benchmark (issue 4). Run by bench/data-bench.sh against a packaged app:
 *  1. inserts 100,000 documents into the public collection bench.rows through the API (bulk of 1000);
 *  2. (a) list 20 documents by an indexed filter through the API vs the same find through the raw driver;
 *  3. (b) page 1 vs page 500 of the whole collection with the keyset `after` cursor (limit 200).
 * Args: baseUrl mongoUri dbName
 */
public class DataBench {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] a) throws Exception {
        String base = a[0];
        String api = base + "/experiments/bench/api/rows";
        try (MongoClient client = MongoClients.create(a[1])) {
            MongoCollection<Document> raw = client.getDatabase(a[2]).getCollection("bench_rows");
            long t0 = System.nanoTime();
            for (int b = 0; b < 100; b++) {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < 1000; i++) {
                    int n = b * 1000 + i;
                    sb.append(i > 0 ? "," : "").append("{\"grp\":").append(n % 1000).append(",\"n\":").append(n)
                            .append(",\"label\":\"row ").append(n).append("\",\"payload\":\"").append("x".repeat(100)).append("\"}");
                }
                HttpResponse<String> r = post(api, sb.append("]").toString());
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("insert failed: " + r.statusCode() + " " + r.body());
                }
            }
            System.out.printf("insert 100,000 docs (100 x 1000 bulk via API): %.1f s%n", (System.nanoTime() - t0) / 1e9);

            // (a) API vs raw driver, list 20 by an indexed filter
            String filter = URLEncoder.encode("{\"grp\":7}", StandardCharsets.UTF_8);
            String url = api + "?filter=" + filter + "&limit=20";
            Document q = new Document("$and", List.of(new Document("experiment_id", "bench"), new Document("grp", 7)));
            int warm = 300, runs = 2000;
            for (int i = 0; i < warm; i++) {
                get(url);
                rawFind(raw, q);
            }
            double[] apiT = new double[runs], rawT = new double[runs];
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                HttpResponse<String> r = get(url);
                apiT[i] = (System.nanoTime() - s) / 1e6;
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(r.body());
                }
                s = System.nanoTime();
                if (rawFind(raw, q) != 20) {
                    throw new IllegalStateException("raw find != 20");
                }
                rawT[i] = (System.nanoTime() - s) / 1e6;
            }
            System.out.printf("(a) list 20 by indexed filter, %d sequential runs:%n", runs);
            System.out.printf("    API  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms%n", pct(apiT, 50), pct(apiT, 90), pct(apiT, 99));
            System.out.printf("    raw  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms%n", pct(rawT, 50), pct(rawT, 90), pct(rawT, 99));
            System.out.printf("    ratio API/raw p50 %.2f  p90 %.2f%n", pct(apiT, 50) / pct(rawT, 50), pct(apiT, 90) / pct(rawT, 90));

            // (b) page 1 vs page 500 with the after cursor (limit 200 -> 500 pages)
            List<String> cursors = new ArrayList<>();
            cursors.add(null);
            String after = null;
            long walk = System.nanoTime();
            for (int p = 1; p < 500; p++) {
                String body = get(api + "?limit=200" + (after == null ? "" : "&after=" + after)).body();
                int i = body.lastIndexOf("\"next\":\"");
                after = body.substring(i + 8, body.indexOf('"', i + 8));
                cursors.add(after);
            }
            System.out.printf("    walked 499 pages in %.1f s%n", (System.nanoTime() - walk) / 1e9);
            int pr = 200;
            double[] p1 = new double[pr], p500 = new double[pr];
            for (int i = 0; i < 30; i++) {
                get(api + "?limit=200");
                get(api + "?limit=200&after=" + cursors.get(499));
            }
            for (int i = 0; i < pr; i++) {
                long s = System.nanoTime();
                get(api + "?limit=200");
                p1[i] = (System.nanoTime() - s) / 1e6;
                s = System.nanoTime();
                String body = get(api + "?limit=200&after=" + cursors.get(499)).body();
                p500[i] = (System.nanoTime() - s) / 1e6;
                if (!body.contains("\"next\":null")) {
                    throw new IllegalStateException("page 500 should be the last page");
                }
            }
            System.out.printf("(b) limit=200, %d runs each: page 1 p50 %.2f ms p90 %.2f ms | page 500 p50 %.2f ms p90 %.2f ms | ratio p50 %.2f%n",
                    pr, pct(p1, 50), pct(p1, 90), pct(p500, 50), pct(p500, 90), pct(p500, 50) / pct(p1, 50));
        }
    }

    static int rawFind(MongoCollection<Document> raw, Document q) {
        int n = 0;
        for (Document d : raw.find(q).sort(new Document("_id", 1)).limit(20).batchSize(21)) {
            d.toJson();
            n++;
        }
        return n;
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }
}
