// A MongoDB wire-protocol server (mongo-java-server, memory backend) in its own process, so the service's RSS
// measured by the bench does not include the data. Usage: java -cp <classpath> MongoServerMain.java PORT [warm]
// With "warm", before it says "listening" it serves ROUNDS of generic traffic to itself over TCP (createIndexes,
// insertMany of 1000 documents, finds, listCollections, drops) on a scratch database it drops again: a real MongoDB
// is native code with nothing to warm up, while this Java server runs its decoding and indexing code interpreted
// the first few times (540-690 ms of its CPU for the first 1005-document insertMany, 110-190 ms once warm).
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

public class MongoServerMain {
    public static void main(String[] args) throws Exception {
        // Without a logging configuration the test classpath's slf4j binding (jboss-logmanager) has TRACE enabled, and
        // mongo-java-server then formats every incoming message for a debug line nobody sees: Document.toString()
        // with String.format per byte of binary, ~1 s of store CPU per 1 MiB GridFS insert. Inside the service and
        // the tests Quarkus configures INFO, so this is only the bench's own store process.
        org.jboss.logmanager.LogContext.getLogContext().getLogger("de.bwaldvogel").setLevel(java.util.logging.Level.INFO);
        org.jboss.logmanager.LogContext.getLogContext().getLogger("org.mongodb").setLevel(java.util.logging.Level.WARNING);
        MongoServer server = new MongoServer(new MemoryBackend());
        int port = Integer.parseInt(args[0]);
        server.bind("127.0.0.1", port);
        if (args.length > 1 && args[1].equals("warm")) {
            warm(port, Integer.getInteger("warm.rounds", 16));
        }
        System.out.println("mongo-java-server listening on " + port);
        Thread.currentThread().join();
    }

    /** Generic traffic of the kinds a service start sends (not the service's own code or collection names). */
    static void warm(int port, int rounds) {
        var cpu = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port)) {
            for (int r = 0; r < rounds; r++) {
                long c0 = cpu.getProcessCpuTime(), t0 = System.nanoTime();
                MongoDatabase db = client.getDatabase("warmup_" + r);
                var docs = db.getCollection("docs");
                var names = db.getCollection("names");
                docs.createIndex(Indexes.ascending("key"), new IndexOptions().unique(true));
                names.createIndex(Indexes.ascending("name"), new IndexOptions().unique(true));
                docs.createIndex(Indexes.ascending("owner", "at"));
                List<Document> batch = new ArrayList<>();
                List<Document> claims = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    String key = "doc_" + r + "_" + i;
                    batch.add(new Document("_id", new ObjectId()).append("key", key).append("status", "active")
                            .append("at", new Date()).append("n", i).append("ratio", i / 7.0)
                            .append("body", new Document("name", "Document " + i).append("text", "warm-up")
                                    .append("tags", List.of("a", "b"))
                                    .append("parts", new Document("items", new Document("read", "public").append("create", "public")))));
                    claims.add(new Document("_id", key + ":items").append("name", key + "_items").append("owner", key));
                }
                docs.insertMany(batch, new InsertManyOptions().ordered(false));
                names.insertMany(claims, new InsertManyOptions().ordered(false));
                List<String> keys = batch.stream().map(d -> d.getString("key")).toList();
                docs.find(new Document("key", new Document("$in", keys))).projection(new Document("key", 1)).batchSize(2000).into(new ArrayList<>());
                names.find(new Document("name", new Document("$in", keys))).batchSize(2000).into(new ArrayList<>());
                docs.find().batchSize(2000).into(new ArrayList<>()); // whole documents back (a registry load reads every config)
                docs.find(new Document("status", "active")).sort(new Document("key", 1)).batchSize(2000).into(new ArrayList<>());
                for (int i = 0; i < 200; i++) { // one index per new collection, as after a large seed
                    var c = db.getCollection("c" + i);
                    c.createIndex(Indexes.ascending("owner"));
                    c.insertOne(new Document("owner", "x").append("n", i));
                    if (i % 4 == 0) {
                        c.find(new Document("owner", "x")).first();
                        c.countDocuments();
                    }
                }
                db.listCollectionNames().into(new ArrayList<>());
                db.runCommand(new Document("ping", 1));
                db.drop();
                System.out.printf("warm-up round %d: %.0f ms, %.0f ms CPU%n", r + 1, (System.nanoTime() - t0) / 1e6, (cpu.getProcessCpuTime() - c0) / 1e6);
            }
        }
        // then until its JIT compilers have caught up (otherwise they spend seconds of CPU during the measured start)
        long t0 = System.nanoTime();
        try {
            for (long c = cpu.getProcessCpuTime(), next; System.nanoTime() - t0 < 60_000_000_000L; c = next) {
                Thread.sleep(500);
                next = cpu.getProcessCpuTime();
                if (next - c < 25_000_000L) {
                    break; // under 5 % of one core
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.printf("warm-up: store idle after %.1f s more%n", (System.nanoTime() - t0) / 1e9);
    }
}
