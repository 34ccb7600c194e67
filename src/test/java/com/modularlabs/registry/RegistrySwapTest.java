package com.modularlabs.registry;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * A full reload swaps all of its changes in one step. The change feed is off here, because its per-change reloads
 * would (rightly) apply the test's bulk writes as they arrive, which is not what this test measures.
 */
@QuarkusTest
@TestProfile(RegistrySwapTest.StillRegistry.class)
@QuarkusTestResource(value = MongoTestResource.class, restrictToAnnotatedClass = true)
class RegistrySwapTest {
    private static final Duration T = Duration.ofSeconds(30);

    public static class StillRegistry implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("labs.change-feed.enabled", "false");
        }
    }

    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentConfigRepository configs;

    @Test
    void theSnapshotSwapIsAtomicUnderConcurrentReads() throws Exception {
        List<Document> extra = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            extra.add(new Document("slug", "swap" + i).append("name", "Swap " + i).append("status", "active"));
        }
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    RegistrySnapshot s = registry.snapshot();
                    long n = s.experiments().keySet().stream().filter(k -> k.startsWith("swap")).count();
                    if (n != 0 && n != 40) {
                        torn.add("saw " + n + " of 40 in generation " + s.generation());
                    }
                }
            });
            t.start();
            readers.add(t);
        }
        try {
            for (int round = 0; round < 5; round++) {
                configs.raw().insertMany(extra.stream().map(Document::new).toList()).await().atMost(T);
                registry.reload().await().atMost(T);
                assertTrue(registry.snapshot().active("swap39").isPresent());
                configs.raw().deleteMany(Filters.regex("slug", "^swap")).await().atMost(T);
                registry.reload().await().atMost(T);
                assertTrue(registry.snapshot().find("swap0").isEmpty());
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
        assertTrue(torn.isEmpty(), torn.size() + " torn reads, e.g. " + torn.stream().limit(3).toList());
    }

}
