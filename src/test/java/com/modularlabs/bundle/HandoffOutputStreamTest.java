package com.modularlabs.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Gen;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The export's hand-over between the encoding thread and the deflating one: every byte, in order; failures surface. */
class HandoffOutputStreamTest {
    final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "the writing thread ended");
    }

    /** A stream of {@code size} bytes written in pieces drawn from {@code pieces}, through blocks of {@code block}. */
    record Case(int size, int block, int depth, long pieces) {
    }

    @Test
    void everyByteArrivesInOrderWhateverTheWriteSizes() {
        Gen.forAll(50, g -> new Case(g.between(0, 200_000), g.between(1, 5000), g.between(1, 4), g.between(0, 1_000_000)), c -> {
            Random r = new Random(c.pieces());
            byte[] data = new byte[c.size()];
            r.nextBytes(data);
            ByteArrayOutputStream target = new ByteArrayOutputStream();
            try (HandoffOutputStream h = new HandoffOutputStream(target, c.block(), c.depth(), pool)) {
                for (int i = 0; i < data.length;) {
                    if (r.nextInt(10) == 0) {
                        h.write(data[i++]);
                    } else {
                        int n = Math.min(data.length - i, r.nextInt(3 * c.block()));
                        h.write(data, i, n);
                        i += n;
                    }
                    if (r.nextInt(50) == 0) {
                        h.flush();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertArrayEquals(data, target.toByteArray());
        });
    }

    @Test
    void aFailureOfTheTargetFailsTheWriterAndCloseWaitsForTheThread() throws IOException {
        IOException boom = new IOException("storage failed");
        int[] writes = {0};
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (++writes[0] == 3) {
                    throw boom;
                }
            }
        };
        HandoffOutputStream h = new HandoffOutputStream(failing, 1024, 2, pool);
        IOException seen = assertThrows(IOException.class, () -> {
            try (h) {
                for (int i = 0; i < 10_000; i++) {
                    h.write(new byte[1024]);
                }
            }
        });
        assertEquals(boom, seen);
        assertEquals(3, writes[0], "nothing is written after the failure");
    }
}
