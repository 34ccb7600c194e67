// Inserts ~MiB mebibytes of ~1 KiB documents tagged experiment_id=SLUG into <SLUG>_clicks, straight through the
// driver (not through the service), for bench/export.sh. Usage: java -cp <test classpath> ExportSeed.java URI DB SLUG MiB
// With MiB = "read": the floor of an export instead, i.e. a raw driver read of the same documents (the export's
// filter and batch size, RawBsonDocument, nothing encoded); prints "documents bytes wall_s cpu_s" (cpu: this thread).
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;

public class ExportSeed {
    public static void main(String[] args) {
        String uri = args[0], db = args[1], slug = args[2];
        if (args[3].equals("read")) {
            read(uri, db, slug);
            return;
        }
        long target = Long.parseLong(args[3]) * 1024 * 1024;
        String[] buttons = {"red", "green", "blue", "orange"};
        Random r = new Random(7);
        long t0 = System.nanoTime(), written = 0;
        int n = 0;
        try (MongoClient client = MongoClients.create(uri)) {
            MongoCollection<Document> c = client.getDatabase(db).getCollection(slug + "_clicks");
            StringBuilder sb = new StringBuilder();
            while (written < target) {
                List<Document> batch = new ArrayList<>(1000);
                for (int i = 0; i < 1000 && written < target; i++) {
                    sb.setLength(0);
                    for (int j = 0; j < 900; j++) {
                        sb.append((char) ('a' + r.nextInt(26)));
                    }
                    // ~1 KiB as BSON: 900 chars of text plus ids, a date and a decimal
                    batch.add(new Document("experiment_id", slug).append("button", buttons[n % 4]).append("n", n)
                            .append("text", sb.toString()).append("at", new Date(1_700_000_000_000L + n * 1000L))
                            .append("price", new Decimal128(n)));
                    n++;
                    written += 1024;
                }
                c.insertMany(batch, new InsertManyOptions().ordered(false));
            }
        }
        System.out.printf("%d %.1f%n", n, (System.nanoTime() - t0) / 1e9);
    }

    static void read(String uri, String db, String slug) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (MongoClient client = MongoClients.create(uri)) {
            MongoCollection<RawBsonDocument> c = client.getDatabase(db).getCollection(slug + "_clicks", RawBsonDocument.class);
            c.find(Filters.eq("experiment_id", slug)).limit(100).batchSize(100).forEach(d -> { }); // connect, load classes
            long t0 = System.nanoTime(), cpu0 = threads.getCurrentThreadCpuTime(), bytes = 0;
            int n = 0;
            try (MongoCursor<RawBsonDocument> cur = c.find(Filters.eq("experiment_id", slug)).batchSize(1000).iterator()) {
                while (cur.hasNext()) {
                    bytes += cur.next().getByteBuffer().remaining();
                    n++;
                }
            }
            System.out.printf("%d %d %.2f %.2f%n", n, bytes, (System.nanoTime() - t0) / 1e9, (threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
        }
    }
}
