package com.modularlabs.bundle;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An {@link BundleStorage.Upload} staged in a temp file and stored with {@link BundleStorage#put} on commit: for S3,
 * whose single PutObject (atomic, no multipart upload left behind by a killed process) needs the length up front.
 * The temp file is deleted on close, committed or not.
 */
final class StagedUpload implements BundleStorage.Upload {
    private final BundleStorage storage;
    private final String key;
    private final Path file;
    private final OutputStream fileOut;
    private final OutputStream out;

    StagedUpload(BundleStorage storage, String key, Path file) throws IOException {
        this.storage = storage;
        this.key = key;
        this.file = file;
        this.fileOut = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        // closing the caller's stream (a ZipOutputStream closes what it wraps) only flushes: commit reads the file
        this.out = new FilterOutputStream(fileOut) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    @Override
    public OutputStream out() {
        return out;
    }

    @Override
    public void commit() throws IOException {
        fileOut.close();
        storage.put(key, file);
    }

    @Override
    public void close() {
        try {
            fileOut.close();
        } catch (IOException e) {
            // the file is deleted next
        }
        BundlePaths.deleteTree(file);
    }
}
