package com.modularlabs.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Where bundle and export ZIPs live, shared by every replica. Blocking API: call it on worker threads only
 * ({@link com.modularlabs.common.Workers#run}). GridFS ({@link GridFsBundleStorage}) or
 * S3-compatible storage ({@link S3BundleStorage}), chosen by {@link BundleStorageSelector}.
 */
public interface BundleStorage {
    /** Stores the file under {@code key} (replacing an older object of that key) and returns the key. */
    String put(String key, Path file) throws IOException;

    /**
     * Starts storing a new object under {@code key} from a stream, for bytes that are produced as they are stored
     * (exports): write to {@link Upload#out()}, then {@link Upload#commit()}. Until the commit nothing is visible under
     * the key; closing an upload that was not committed discards what was written.
     */
    Upload upload(String key) throws IOException;

    /** A streamed write of one object (see {@link #upload}); use it in try-with-resources. */
    interface Upload extends java.io.Closeable {
        /** Where the bytes go; closing this stream neither commits nor discards. */
        java.io.OutputStream out();

        /** Stores what was written under the key (replacing an older object of that key). */
        void commit() throws IOException;

        /** Discards what was written unless committed; never throws. */
        @Override
        void close();
    }

    /** Opens the object; the caller closes the stream. Throws {@link java.io.FileNotFoundException} if absent. */
    InputStream open(String key) throws IOException;

    /** Size in bytes, or -1 if absent. */
    long size(String key);

    /** Deletes every object stored under {@code key}; absent is fine. */
    void delete(String key);

    /** A stored object: its key and when it was stored. */
    record Stored(String key, java.time.Instant storedAt) {
    }

    /** Objects whose key starts with {@code prefix}, for the garbage collection of old bundle versions. */
    java.util.List<Stored> list(String prefix);

    /**
     * Removes what interrupted uploads left behind (GridFS chunks without a file document) when older than
     * {@code before}; returns how many objects were removed. S3 has none: {@link S3BundleStorage} stores each object with
     * one PutObject, which is atomic, and never starts a multipart upload that a killed process could abandon.
     */
    default long removeOrphans(java.time.Instant before) {
        return 0;
    }
}
