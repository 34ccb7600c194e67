package com.modularlabs.bundle;

import com.modularlabs.store.StoreOutage;
import com.modularlabs.common.Workers;
import com.mongodb.client.gridfs.model.GridFSFile;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.gridfs.GridFSBucket;
import com.mongodb.reactivestreams.client.gridfs.GridFSBuckets;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * GridFS storage in the service's own database (bucket {@code labs.bundle.gridfs-bucket}, default "bundles"), on
 * the engine's one reactive client (reactive-streams GridFS). The GridFS filename is the key; a put writes a new
 * revision, then removes the older ones, so a reader never sees a missing object. Streams in 255 KiB chunks both
 * ways: nothing is held whole in memory, and an export is written into chunks while it is produced (no temp file). Blocking API (callers are on worker threads); the file is read on
 * worker threads too. Chosen by {@link BundleStorageSelector}.
 */
@ApplicationScoped
@Typed(GridFsBundleStorage.class)
public class GridFsBundleStorage implements BundleStorage {
    static final int CHUNK = 255 * 1024;
    /** Chunks read ahead while downloading (bounded memory: 4 × 255 KiB). */
    static final int READ_AHEAD = 4;

    @Inject
    BundleDb mongo;
    @Inject
    BundleConfig config;

    private GridFSBucket bucket() {
        return GridFSBuckets.create(mongo.driver(), config.gridfsBucket());
    }

    /** Chunks per insert: ~1 MiB per insert command. */
    static final int CHUNKS_PER_INSERT = 4;
    /**
     * Insert commands in flight per upload: the writer fills the next ~1 MiB while the store takes the previous ones,
     * and at most this many (plus the one being filled) are held in memory. The reactive driver's own
     * uploadFromPublisher has up to 256 chunk inserts in flight (64 MiB): on a slow store they ran past the operation
     * timeout.
     */
    static final int INSERTS_IN_FLIGHT = 2;
    private volatile boolean indexed;

    /** Stores a file: the same streamed writer as {@link #upload}, fed from the file in chunk-sized reads. */
    @Override
    public String put(String key, Path file) throws IOException {
        try (ChunkUpload up = upload(key); InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[CHUNK];
            for (int r; (r = in.read(b)) >= 0;) {
                up.out().write(b, 0, r);
            }
            up.commit();
        }
        return key;
    }

    /**
     * Writes the GridFS layout itself while the bytes are produced (chunks, then the file document last, as the GridFS
     * spec and every driver do): no temp file, the writes overlap the production, back-pressure from
     * {@link #INSERTS_IN_FLIGHT}. Not committed, its chunks are deleted (or, after a crash, removed by the storage
     * sweep, see {@link #removeOrphans}).
     */
    @Override
    public ChunkUpload upload(String key) {
        Workers.assertNotOnEventLoop("GridFS upload");
        MongoCollection<Document> chunks = mongo.driver().getCollection(config.gridfsBucket() + ".chunks");
        MongoCollection<Document> files = mongo.driver().getCollection(config.gridfsBucket() + ".files");
        ensureIndexes(chunks, files);
        return new ChunkUpload(key, chunks, files);
    }

    /** One GridFS file being written: full 255 KiB chunks in order, the last one shorter. */
    final class ChunkUpload implements Upload {
        private final String key;
        private final MongoCollection<Document> chunks;
        private final MongoCollection<Document> files;
        final ObjectId id = new ObjectId();
        private final ArrayDeque<Insert> inFlight = new ArrayDeque<>();
        /**
         * Chunk arrays whose insert has completed, reused for the next chunks: an upload allocates at most
         * (INSERTS_IN_FLIGHT + 1) × CHUNKS_PER_INSERT of them. A new array per chunk (255 KiB, alive while its insert is
         * in flight) outlived most young collections of a small heap and filled the old generation with garbage
         * (+150 MiB heap during a 100 MiB export).
         */
        private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
        private List<BsonDocument> batch = new ArrayList<>(CHUNKS_PER_INSERT);
        private byte[] buf = new byte[CHUNK];
        private int pos;
        private int n;
        private long length;
        private boolean committed;
        private boolean failed;
        /** Inserts started, for tests. */
        int inserts;

        ChunkUpload(String key, MongoCollection<Document> chunks, MongoCollection<Document> files) {
            this.key = key;
            this.chunks = chunks;
            this.files = files;
        }

        private final OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (pos == CHUNK) {
                    chunk();
                }
                buf[pos++] = (byte) b;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    if (pos == CHUNK) {
                        chunk();
                    }
                    int k = Math.min(len, CHUNK - pos);
                    System.arraycopy(b, off, buf, pos, k);
                    pos += k;
                    off += k;
                    len -= k;
                }
            }

            @Override
            public void close() {
                // commit() or Upload.close() ends the upload
            }
        };

        @Override
        public OutputStream out() {
            return out;
        }

        /** The buffer becomes chunk n (its array goes to the insert as is, so a spare one is taken). */
        private void chunk() throws IOException {
            byte[] data = pos == CHUNK ? buf : Arrays.copyOf(buf, pos);
            // BsonBinary sends the array as is; org.bson.types.Binary copies it when made and again when encoded
            batch.add(new BsonDocument("files_id", new BsonObjectId(id)).append("n", new BsonInt32(n++)).append("data", new BsonBinary(data)));
            length += pos;
            buf = spare.isEmpty() ? new byte[CHUNK] : spare.poll();
            pos = 0;
            if (batch.size() == CHUNKS_PER_INSERT) {
                send();
            }
        }

        private void send() throws IOException {
            if (failed) {
                throw new IOException("the GridFS upload of " + key + " failed already");
            }
            if (batch.isEmpty()) {
                return;
            }
            while (inFlight.size() >= INSERTS_IN_FLIGHT) {
                failed = true; // unless the insert succeeded
                finish(inFlight.poll());
                failed = false;
            }
            inFlight.add(new Insert(BundleDb.start(chunks.withDocumentClass(BsonDocument.class).insertMany(batch)), batch));
            inserts++;
            batch = new ArrayList<>(CHUNKS_PER_INSERT);
        }

        /**
         * Waits for an insert; once the store has answered, the driver holds no reference to its chunks' arrays any
         * more, and the full-size ones (a short last chunk is a copy) are taken again.
         */
        private void finish(Insert insert) throws IOException {
            join(insert.done());
            for (BsonDocument c : insert.chunks()) {
                byte[] data = c.getBinary("data").getData();
                if (data.length == CHUNK) {
                    spare.add(data);
                }
            }
        }

        @Override
        public void commit() throws IOException {
            if (pos > 0) {
                chunk();
            }
            send();
            while (!inFlight.isEmpty()) {
                finish(inFlight.poll());
            }
            // the sweep removes chunks without a file document older than LABS_TEMP_MAX_AGE: an upload running longer
            // would lose its first chunks, so a file is only made whole
            long stored = BundleDb.await(chunks.countDocuments(Filters.eq("files_id", id)));
            if (stored != n) {
                throw new IOException("GridFS upload of " + key + ": " + stored + " of " + n
                        + " chunks left (it ran longer than LABS_TEMP_MAX_AGE and the storage sweep removed the rest)");
            }
            BundleDb.await(files.insertOne(new Document("_id", id).append("length", length).append("chunkSize", CHUNK)
                    .append("uploadDate", new Date()).append("filename", key)));
            committed = true;
            GridFSBucket b = bucket();
            for (ObjectId old : ids(b, key)) {
                if (!old.equals(id)) {
                    BundleDb.await(b.delete(old));
                }
            }
        }

        /** Not committed: waits for the inserts under way, then deletes this file's chunks (best effort). */
        @Override
        public void close() {
            if (committed) {
                return;
            }
            buf = null;
            batch = List.of();
            boolean sent = n > 0;
            while (!inFlight.isEmpty()) {
                try {
                    join(inFlight.poll().done());
                } catch (IOException | RuntimeException e) {
                    // deleted below, or by the sweep
                }
            }
            if (sent) {
                try {
                    BundleDb.await(chunks.deleteMany(Filters.eq("files_id", id)));
                } catch (RuntimeException e) {
                    // the storage sweep removes chunks without a file document
                }
            }
        }
    }

    /** An insert command under way and the chunk documents it sends. */
    private record Insert(CompletableFuture<?> done, List<BsonDocument> chunks) {
    }

    /** Waits for an insert; its failure is thrown as the driver's exception, as a waited-for call would. */
    private static void join(CompletableFuture<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while storing in GridFS");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        }
    }

    /** The indexes the GridFS spec asks for (drivers create them before a first upload); idempotent. */
    private void ensureIndexes(MongoCollection<Document> chunks, MongoCollection<Document> files) {
        if (!indexed) {
            BundleDb.await(chunks.createIndex(new Document("files_id", 1).append("n", 1), new IndexOptions().unique(true)));
            BundleDb.await(files.createIndex(new Document("filename", 1).append("uploadDate", 1)));
            indexed = true;
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        Workers.assertNotOnEventLoop("GridFS download");
        GridFSFile f = latest(key);
        if (f == null) {
            throw new FileNotFoundException(key);
        }
        Stream<ByteBuffer> buffers = BundleDb.stream(bucket().downloadToPublisher(f.getObjectId()).bufferSizeBytes(CHUNK), READ_AHEAD);
        return new BuffersInputStream(buffers);
    }

    @Override
    public long size(String key) {
        GridFSFile f = latest(key);
        return f == null ? -1 : f.getLength();
    }

    @Override
    public void delete(String key) {
        GridFSBucket b = bucket();
        for (ObjectId id : ids(b, key)) {
            BundleDb.await(b.delete(id));
        }
    }

    private GridFSFile latest(String key) {
        return BundleDb.await(bucket().find(Filters.eq("filename", key)).sort(Sorts.descending("uploadDate")).limit(1).first());
    }

    private static List<ObjectId> ids(GridFSBucket b, String key) {
        try (Stream<GridFSFile> files = BundleDb.stream(b.find(Filters.eq("filename", key)).batchSize(100), 100)) {
            return files.map(GridFSFile::getObjectId).toList();
        }
    }

    @Override
    public List<Stored> list(String prefix) {
        try (Stream<GridFSFile> files = BundleDb.stream(bucket().find(Filters.regex("filename", "^" + java.util.regex.Pattern.quote(prefix)))
                .batchSize(500), 500)) {
            return files.map(f -> new Stored(f.getFilename(), f.getUploadDate().toInstant())).toList();
        }
    }

    /**
     * GridFS writes the chunks first and the file document last: an upload killed in between leaves chunks whose
     * files_id has no file. Their files_id was made when the upload began, so its timestamp tells their age.
     */
    @Override
    public long removeOrphans(java.time.Instant before) {
        MongoCollection<Document> chunks = mongo.driver().getCollection(config.gridfsBucket() + ".chunks");
        MongoCollection<Document> files = mongo.driver().getCollection(config.gridfsBucket() + ".files");
        List<ObjectId> old;
        ObjectId cutoff = new ObjectId(java.util.Date.from(before));
        try (Stream<ObjectId> ids = BundleDb.stream(chunks.distinct("files_id", Filters.lt("files_id", cutoff), ObjectId.class).batchSize(1000), 1000)) {
            old = ids.toList();
        }
        long removed = 0;
        for (int i = 0; i < old.size(); i += 500) {
            List<ObjectId> part = old.subList(i, Math.min(old.size(), i + 500));
            Set<Object> present = new HashSet<>();
            try (Stream<Document> found = BundleDb.stream(files.find(Filters.in("_id", part)).projection(new Document("_id", 1))
                    .batchSize(part.size()), part.size())) {
                found.forEach(d -> present.add(d.get("_id")));
            }
            List<ObjectId> orphans = part.stream().filter(id -> !present.contains(id)).toList();
            if (!orphans.isEmpty()) {
                removed += BundleDb.await(chunks.deleteMany(Filters.in("files_id", orphans))).getDeletedCount();
            }
        }
        return removed;
    }

    /** Download buffers as an InputStream; closing it cancels the download. */
    static final class BuffersInputStream extends InputStream {
        private final Stream<ByteBuffer> source;
        private final Iterator<ByteBuffer> it;
        private ByteBuffer current = ByteBuffer.allocate(0);

        BuffersInputStream(Stream<ByteBuffer> source) {
            this.source = source;
            this.it = source.iterator();
        }

        private boolean fill() throws IOException {
            try {
                while (!current.hasRemaining()) {
                    if (!it.hasNext()) {
                        return false;
                    }
                    current = it.next();
                }
                return true;
            } catch (RuntimeException e) { // the download failed midway
                throw new IOException("GridFS download failed: " + StoreOutage.brief(e), e);
            }
        }

        @Override
        public int read() throws IOException {
            return fill() ? current.get() & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.remaining());
            current.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            source.close();
        }
    }
}
