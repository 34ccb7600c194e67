// Load-independent cost breakdown of an export's CPU work (issue 10), per stage, on this thread only: CPU time
// (ThreadMXBean) and bytes allocated, for N documents shaped like bench/ExportSeed.java's (~1 KiB). The store read
// is not here (bench/export.sh measures it as the raw-read floor). Usage, after `./mvnw -q compile`:
//   java -cp target/classes:$(cat target/bench-test.cp) bench/ExportCost.java [N=100000] [rounds=5]
// Prints the median round per stage. Compares the old path (toJson String + OutputStreamWriter) with the one
// ExportService uses (RawBsonDocumentCodec -> JsonWriter -> bundle.Utf8Out), deflate levels and the two digests.
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.codecs.RawBsonDocumentCodec;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriter;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;

public class ExportCost {
    static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Stage {
        long run() throws Exception; // returns bytes produced (printed, and keeps the JIT honest)
    }

    static OutputStream sink() {
        return OutputStream.nullOutputStream(); // a fresh one: closing a null stream makes later writes fail
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<RawBsonDocument> docs = seed(n);
        byte[] json = newJson(docs);
        System.out.printf("%d documents, %.1f MiB of BSON, %.1f MiB of JSON lines; median of %d rounds, this thread%n", n,
                docs.stream().mapToLong(d -> d.getByteBuffer().remaining()).sum() / 1048576.0, json.length / 1048576.0, rounds);
        System.out.println("| stage | CPU ms | MiB allocated | output MiB |");
        System.out.println("|---|---:|---:|---:|");
        measure("JSON, old: toJson() String per document -> OutputStreamWriter", rounds, () -> {
            Writer w = new OutputStreamWriter(sink(), StandardCharsets.UTF_8);
            long bytes = 0;
            for (RawBsonDocument d : docs) {
                String s = d.toJson(CANONICAL);
                w.write(s);
                w.write('\n');
                bytes += s.length() + 1;
            }
            w.flush();
            return bytes;
        });
        measure("JSON, new: RawBsonDocumentCodec -> JsonWriter -> Utf8Out (64 KiB)", rounds, () -> encodeNew(docs, sink()));
        measure("deflate level 1 (BEST_SPEED, ExportService)", rounds, () -> deflate(json, Deflater.BEST_SPEED));
        measure("deflate level 6 (default)", rounds, () -> deflate(json, Deflater.DEFAULT_COMPRESSION));
        measure("sha256 of the JSON (checksums.sha256 entry digest)", rounds, () -> {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < json.length; i += 65536) {
                md.update(json, i, Math.min(65536, json.length - i));
            }
            return md.digest().length;
        });
        byte[] zipped = deflated(json, Deflater.BEST_SPEED);
        measure("sha256 of the compressed bytes (the file's sha256)", rounds, () -> {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(zipped);
            return zipped.length;
        });
    }

    static long encodeNew(List<RawBsonDocument> docs, OutputStream out) throws Exception {
        // bundle.Utf8Out is package-private: reached by reflection so this file needs no copy of it
        var ctor = Class.forName("com.modularlabs.bundle.Utf8Out").getDeclaredConstructor(OutputStream.class, int.class);
        ctor.setAccessible(true);
        CountingSink sink = new CountingSink(out);
        Writer w = (Writer) ctor.newInstance(sink, 64 * 1024);
        RawBsonDocumentCodec codec = new RawBsonDocumentCodec();
        EncoderContext ctx = EncoderContext.builder().build();
        for (RawBsonDocument d : docs) {
            codec.encode(new JsonWriter(w, CANONICAL), d, ctx);
            w.write('\n');
        }
        w.flush();
        return sink.count;
    }

    static byte[] newJson(List<RawBsonDocument> docs) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        encodeNew(docs, out);
        return out.toByteArray();
    }

    static long deflate(byte[] json, int level) throws Exception {
        CountingSink sink = new CountingSink(sink());
        Deflater d = new Deflater(level, true);
        try (DeflaterOutputStream out = new DeflaterOutputStream(sink, d, 512)) { // ZipOutputStream's 512-byte buffer
            for (int i = 0; i < json.length; i += 65536) {
                out.write(json, i, Math.min(65536, json.length - i));
            }
        } finally {
            d.end();
        }
        return sink.count;
    }

    static byte[] deflated(byte[] json, int level) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Deflater d = new Deflater(level, true);
        try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, d, 512)) {
            out.write(json);
        } finally {
            d.end();
        }
        return bytes.toByteArray();
    }

    static final class CountingSink extends java.io.FilterOutputStream {
        long count;

        CountingSink(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    static void measure(String name, int rounds, Stage stage) throws Exception {
        stage.run(); // warm-up
        long[] cpu = new long[rounds];
        long[] alloc = new long[rounds];
        long out = 0;
        long tid = Thread.currentThread().getId();
        for (int r = 0; r < rounds; r++) {
            long a0 = THREADS.getThreadAllocatedBytes(tid);
            long c0 = THREADS.getCurrentThreadCpuTime();
            out = stage.run();
            cpu[r] = THREADS.getCurrentThreadCpuTime() - c0;
            alloc[r] = THREADS.getThreadAllocatedBytes(tid) - a0;
        }
        Arrays.sort(cpu);
        Arrays.sort(alloc);
        System.out.printf("| %s | %d | %.0f | %.1f |%n", name, cpu[rounds / 2] / 1_000_000, alloc[rounds / 2] / 1048576.0, out / 1048576.0);
    }

    static List<RawBsonDocument> seed(int n) {
        String[] buttons = {"red", "green", "blue", "orange"};
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder();
        List<RawBsonDocument> out = new ArrayList<>(n);
        DocumentCodec codec = new DocumentCodec();
        for (int i = 0; i < n; i++) {
            sb.setLength(0);
            for (int j = 0; j < 900; j++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            Document d = new Document("_id", new org.bson.types.ObjectId()).append("experiment_id", "click_tracker").append("button", buttons[i % 4])
                    .append("n", i).append("text", sb.toString()).append("at", new Date(1_700_000_000_000L + i * 1000L)).append("price", new Decimal128(i));
            out.add(new RawBsonDocument(d, codec));
        }
        return out;
    }
}
