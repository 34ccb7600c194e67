package com.modularlabs.bundle;

import com.modularlabs.common.Workers;
import com.mongodb.client.MongoClient;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.model.GridFSFile;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * GridFS storage in the service's own database (bucket {@code labs.bundle.gridfs-bucket}, default "bundles"). The
 * GridFS filename is the key; a put writes a new revision, then removes the older ones, so a reader never sees a
 * missing object. Streams in 255 KiB chunks: nothing is held whole in memory. Chosen by {@link BundleStorageSelector}.
 */
@ApplicationScoped
@Typed(GridFsBundleStorage.class)
public class GridFsBundleStorage implements BundleStorage {
    @Inject
    MongoClient client;
    @ConfigProperty(name = "quarkus.mongodb.database")
    String dbName;
    @Inject
    BundleConfig config;

    private GridFSBucket bucket() {
        return GridFSBuckets.create(client.getDatabase(dbName), config.gridfsBucket());
    }

    @Override
    public String put(String key, Path file) throws IOException {
        Workers.assertNotOnEventLoop("GridFS upload");
        GridFSBucket b = bucket();
        ObjectId id;
        try (InputStream in = Files.newInputStream(file)) {
            id = b.uploadFromStream(key, in, new GridFSUploadOptions().chunkSizeBytes(255 * 1024));
        }
        for (ObjectId old : ids(b, key)) {
            if (!old.equals(id)) {
                b.delete(old);
            }
        }
        return key;
    }

    @Override
    public InputStream open(String key) throws IOException {
        Workers.assertNotOnEventLoop("GridFS download");
        GridFSFile f = latest(key);
        if (f == null) {
            throw new FileNotFoundException(key);
        }
        return bucket().openDownloadStream(f.getObjectId());
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
            b.delete(id);
        }
    }

    private GridFSFile latest(String key) {
        return bucket().find(Filters.eq("filename", key)).sort(Sorts.descending("uploadDate")).limit(1).first();
    }

    private static List<ObjectId> ids(GridFSBucket b, String key) {
        List<ObjectId> ids = new ArrayList<>();
        b.find(Filters.eq("filename", key)).batchSize(100).forEach(f -> ids.add(f.getObjectId()));
        return ids;
    }

    @Override
    public List<Stored> list(String prefix) {
        List<Stored> out = new ArrayList<>();
        bucket().find(Filters.regex("filename", "^" + java.util.regex.Pattern.quote(prefix))).batchSize(500)
                .forEach(f -> out.add(new Stored(f.getFilename(), f.getUploadDate().toInstant())));
        return out;
    }

    /**
     * GridFS writes the chunks first and the file document last: an upload killed in between leaves chunks whose
     * files_id has no file. Their files_id was made when the upload began, so its timestamp tells their age.
     */
    @Override
    public long removeOrphans(java.time.Instant before) {
        com.mongodb.client.MongoDatabase db = client.getDatabase(dbName);
        com.mongodb.client.MongoCollection<org.bson.Document> chunks = db.getCollection(config.gridfsBucket() + ".chunks");
        com.mongodb.client.MongoCollection<org.bson.Document> files = db.getCollection(config.gridfsBucket() + ".files");
        List<ObjectId> old = new ArrayList<>();
        ObjectId cutoff = new ObjectId(java.util.Date.from(before));
        chunks.distinct("files_id", Filters.lt("files_id", cutoff), ObjectId.class).batchSize(1000).forEach(old::add);
        long removed = 0;
        for (int i = 0; i < old.size(); i += 500) {
            List<ObjectId> part = old.subList(i, Math.min(old.size(), i + 500));
            java.util.Set<Object> present = new java.util.HashSet<>();
            files.find(Filters.in("_id", part)).projection(new org.bson.Document("_id", 1)).batchSize(part.size())
                    .forEach(d -> present.add(d.get("_id")));
            List<ObjectId> orphans = part.stream().filter(id -> !present.contains(id)).toList();
            if (!orphans.isEmpty()) {
                removed += chunks.deleteMany(Filters.in("files_id", orphans)).getDeletedCount();
            }
        }
        return removed;
    }
}
