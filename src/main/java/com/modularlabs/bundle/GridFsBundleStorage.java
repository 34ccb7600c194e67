package com.modularlabs.bundle;

import com.modularlabs.common.Workers;
import com.mongodb.client.gridfs.model.GridFSFile;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.gridfs.GridFSBucket;
import com.mongodb.reactivestreams.client.gridfs.GridFSBuckets;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import mutiny.zero.flow.adapters.AdaptersToReactiveStreams;
import org.bson.Document;
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

    @Override
    public String put(String key, Path file) throws IOException {
        Workers.assertNotOnEventLoop("GridFS upload");
        GridFSBucket b = bucket();
        ObjectId id = BundleDb.await(b.uploadFromPublisher(key, AdaptersToReactiveStreams.publisher(chunks(file)),
                new GridFSUploadOptions().chunkSizeBytes(CHUNK)));
        for (ObjectId old : ids(b, key)) {
            if (!old.equals(id)) {
                BundleDb.await(b.delete(old));
            }
        }
        return key;
    }

    /** The file as chunk-sized buffers, read on demand on a worker thread (never on the driver's or an event loop's). */
    static Multi<ByteBuffer> chunks(Path file) {
        return Multi.createFrom().<FileChannel, ByteBuffer>resource(() -> openRead(file),
                ch -> Multi.createFrom().generator(() -> ch, (c, emitter) -> {
                    try {
                        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
                        while (buf.hasRemaining() && c.read(buf) >= 0) {
                            // fill the chunk unless the file ends
                        }
                        buf.flip();
                        if (buf.hasRemaining()) {
                            emitter.emit(buf);
                        }
                        if (c.position() >= c.size()) {
                            emitter.complete();
                        }
                    } catch (IOException e) {
                        emitter.fail(e);
                    }
                    return c;
                })).withFinalizer(c -> {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // read-only: nothing was lost
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static FileChannel openRead(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
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
                throw new IOException("GridFS download failed: " + com.modularlabs.store.StoreOutage.brief(e), e);
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
