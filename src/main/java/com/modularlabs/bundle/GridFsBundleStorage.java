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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

/**
 * GridFS storage in the service's own database (bucket {@code labs.bundle.gridfs-bucket}, default "bundles"), on
 * the engine's one reactive client (reactive-streams GridFS). The GridFS filename is the key; a put writes a new
 * revision, then removes the older ones, so a reader never sees a missing object. Streams in 255 KiB chunks both
 * ways: nothing is held whole in memory. Blocking API (callers are on worker threads); the file is read on
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

    /** Chunks per insert: ~1 MiB per round trip, one round trip at a time (bounded memory, no burst on the store). */
    static final int CHUNKS_PER_INSERT = 4;
    private volatile boolean indexed;

    /**
     * Writes the GridFS layout itself (chunks in order, then the file document, as the GridFS spec and every driver
     * do) instead of the reactive driver's uploadFromPublisher, which inserts up to 256 chunks concurrently: 64 MiB
     * in flight, and on a slow store the inserts run past the operation timeout. Here one insert of a few chunks is
     * in flight at a time. A failed upload deletes its chunks (or the sweep does, see {@link #removeOrphans}).
     */
    @Override
    public String put(String key, Path file) throws IOException {
        Workers.assertNotOnEventLoop("GridFS upload");
        MongoCollection<Document> chunks = mongo.driver().getCollection(config.gridfsBucket() + ".chunks");
        MongoCollection<Document> files = mongo.driver().getCollection(config.gridfsBucket() + ".files");
        ensureIndexes(chunks, files);
        ObjectId id = new ObjectId();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long length = 0;
            int n = 0;
            List<Document> batch = new ArrayList<>(CHUNKS_PER_INSERT);
            while (length < size) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, size - length));
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        throw new IOException(file + " shrank while being stored");
                    }
                }
                batch.add(new Document("files_id", id).append("n", n++).append("data", new Binary(buf.array())));
                length += buf.capacity();
                if (batch.size() == CHUNKS_PER_INSERT || length == size) {
                    BundleDb.await(chunks.insertMany(batch));
                    batch = new ArrayList<>(CHUNKS_PER_INSERT);
                }
            }
            BundleDb.await(files.insertOne(new Document("_id", id).append("length", length).append("chunkSize", CHUNK)
                    .append("uploadDate", new Date()).append("filename", key)));
        } catch (IOException | RuntimeException e) {
            try {
                BundleDb.await(chunks.deleteMany(Filters.eq("files_id", id)));
            } catch (RuntimeException again) {
                // the storage sweep removes chunks without a file document
            }
            throw e;
        }
        GridFSBucket b = bucket();
        for (ObjectId old : ids(b, key)) {
            if (!old.equals(id)) {
                BundleDb.await(b.delete(old));
            }
        }
        return key;
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
