package com.modularlabs.bundle;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Hands the bytes written to it, in blocks, to one other thread that writes them to {@code target}: the export
 * encodes JSON on its thread while the next one digests, deflates and stores the previous blocks (two cores instead of
 * one). Bounded: at most {@code depth} blocks wait, then the writer blocks (back-pressure); the blocks are reused.
 * {@link #close()} waits until the other thread has written everything (or failed) and rethrows its failure, so
 * after it {@code target} is the caller's again; a failure of the other thread also fails the next write.
 * One writing thread; {@code target} is not closed.
 */
final class HandoffOutputStream extends OutputStream {
    private record Block(byte[] data, int length) {
    }

    private static final Block END = new Block(new byte[0], -1);

    private final BlockingQueue<Block> full;
    private final BlockingQueue<byte[]> free;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Throwable failure;
    private byte[] buf;
    private int pos;
    private boolean closed;
    private boolean reported;

    HandoffOutputStream(OutputStream target, int blockSize, int depth, Executor executor) {
        this.full = new ArrayBlockingQueue<>(depth + 1);
        this.free = new ArrayBlockingQueue<>(depth + 2);
        for (int i = 0; i < depth + 1; i++) {
            free.add(new byte[blockSize]);
        }
        this.buf = new byte[blockSize];
        executor.execute(() -> drain(target));
    }

    private void drain(OutputStream target) {
        try {
            for (Block b; (b = full.take()) != END;) {
                if (failure == null) {
                    try {
                        target.write(b.data(), 0, b.length());
                    } catch (Throwable e) {
                        failure = e; // the writer sees it on its next block; keep taking blocks so it never waits for room
                    }
                }
                free.add(b.data());
            }
            done.complete(null);
        } catch (Throwable e) {
            failure = failure == null ? e : failure;
            done.completeExceptionally(e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        if (pos == buf.length) {
            handOver();
        }
        buf[pos++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (pos == buf.length) {
                handOver();
            }
            int k = Math.min(len, buf.length - pos);
            System.arraycopy(b, off, buf, pos, k);
            pos += k;
            off += k;
            len -= k;
        }
    }

    /** Hands over what is buffered (does not wait for it to be written). */
    @Override
    public void flush() throws IOException {
        if (pos > 0) {
            handOver();
        }
    }

    private void handOver() throws IOException {
        check();
        put(new Block(buf, pos));
        byte[] next;
        while ((next = poll()) == null) {
            stopped();
        }
        buf = next;
        pos = 0;
    }

    private void put(Block b) throws IOException {
        try {
            while (!full.offer(b, 100, TimeUnit.MILLISECONDS)) {
                stopped();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing over export bytes");
        }
    }

    private byte[] poll() throws IOException {
        try {
            return free.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing over export bytes");
        }
    }

    /** The other thread ended early (interrupted): nothing will take or give back a block. */
    private void stopped() throws IOException {
        if (done.isDone()) {
            check();
            throw new IOException("the export's writing thread stopped");
        }
    }

    private void check() throws IOException {
        Throwable f = failure;
        if (f == null || reported) {
            return;
        }
        reported = true; // thrown once: try-with-resources would add it to itself as suppressed
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
        throw new IOException(f);
    }

    /** Hands over the rest, waits until all of it is written, and throws what the other thread failed with. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (pos > 0 && failure == null) {
                put(new Block(buf, pos));
            }
            put(END);
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the export bytes to be written");
        } catch (ExecutionException e) {
            // failure is set
        }
        check();
    }
}
