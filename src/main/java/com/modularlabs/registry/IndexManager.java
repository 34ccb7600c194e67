package com.modularlabs.registry;

import com.modularlabs.store.Database;
import com.mongodb.MongoCommandException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.mongodb.reactive.ReactiveMongoDatabase;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Builds managed indexes in the background (seed item 12): at most {@code labs.registry.index-builds} at once,
 * de-duplicated per (collection, index) so a reload never starts a second build of the same index, each with a
 * status the admin reads ({@link #status(String)}). A changed key set or changed options are rebuilt; the
 * {experiment_id: 1} index of every data collection is created here, once at registration, never on a request.
 */
@ApplicationScoped
public class IndexManager {
    @jakarta.inject.Inject
    Database database;

    private static final Logger LOG = Logger.getLogger(IndexManager.class);
    static final String EXPERIMENT_ID_INDEX = "experiment_id_1";

    public enum State { queued, building, ready, failed, unsupported }

    public record IndexStatus(String slug, String collection, String name, String type, State status, String error) {
    }

    private record Job(String slug, String key, IndexSpec spec, Document fingerprint) {
    }

    private final Map<String, IndexStatus> statuses = new ConcurrentHashMap<>();
    /** The spec each known index was last built (or queued) with, to skip unchanged ones on reload. */
    private final Map<String, Document> fingerprints = new ConcurrentHashMap<>();
    private final Queue<Job> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlightSeen = new AtomicInteger();
    private final Map<String, Cancellable> running = new ConcurrentHashMap<>();
    private final int limit;
    private final boolean atlasSearch;
    private final Counter ok;
    private final Counter failed;
    private final Counter unsupported;

    public IndexManager(RegistryConfig config, MeterRegistry registry) {
        this.limit = Math.max(1, config.indexBuilds());
        this.atlasSearch = config.atlasSearch();
        Gauge.builder("labs.index.builds.in.flight", inFlight, AtomicInteger::get)
                .description("Managed index builds running now").register(registry);
        this.ok = Counter.builder("labs.index.builds").tag("result", "ready").register(registry);
        this.failed = Counter.builder("labs.index.builds").tag("result", "failed").register(registry);
        this.unsupported = Counter.builder("labs.index.builds").tag("result", "unsupported").register(registry);
    }

    /** Queues every index the experiment needs; returns at once. */
    public void ensure(Experiment e) {
        for (CollectionSpec c : e.collections().values()) {
            IndexSpec idx = new IndexSpec(c.name(), c.physicalName(), EXPERIMENT_ID_INDEX, EXPERIMENT_ID_INDEX, "regular",
                    new Document("experiment_id", 1), new Document(), null);
            submit(e.slug(), idx);
        }
        for (IndexSpec idx : e.indexes()) {
            submit(e.slug(), idx);
        }
        drain();
    }

    private void submit(String slug, IndexSpec spec) {
        String key = spec.physicalCollection() + "/" + spec.physicalName();
        Document fingerprint = new Document("type", spec.type()).append("keys", spec.keys()).append("options", spec.options())
                .append("definition", spec.definition());
        if (spec.keys().size() == 1 && spec.keys().containsKey("_id") && !spec.isAtlasOnly()) {
            return; // the _id index always exists (g.nome skipped these too)
        }
        Document previous = fingerprints.put(key, fingerprint);
        IndexStatus st = statuses.get(key);
        if (fingerprint.equals(previous) && st != null && st.status() != State.failed) {
            return; // same spec already queued, building or built
        }
        if (spec.isAtlasOnly() && !atlasSearch) {
            statuses.put(key, new IndexStatus(slug, spec.collection(), spec.name(), spec.type(), State.unsupported,
                    spec.type() + " indexes need MongoDB Atlas (set LABS_REGISTRY_ATLAS_SEARCH=true on Atlas)"));
            unsupported.increment();
            return;
        }
        statuses.put(key, new IndexStatus(slug, spec.collection(), spec.name(), spec.type(), State.queued, null));
        queue.add(new Job(slug, key, spec, fingerprint));
    }

    private void drain() {
        while (true) {
            int n = inFlight.get();
            if (n >= limit || queue.isEmpty()) {
                return;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            Job job = queue.poll();
            if (job == null) {
                inFlight.decrementAndGet();
                return;
            }
            maxInFlightSeen.accumulateAndGet(n + 1, Math::max);
            set(job, State.building, null);
            Cancellable c = build(job.spec())
                    .onTermination().invoke(() -> {
                        running.remove(job.key());
                        inFlight.decrementAndGet();
                    })
                    .subscribe().with(v -> {
                        set(job, State.ready, null);
                        ok.increment();
                        drain();
                    }, err -> {
                        String msg = err instanceof MongoCommandException m ? m.getErrorMessage() : String.valueOf(err.getMessage());
                        LOG.warnf("Index %s on %s failed: %s", job.spec().physicalName(), job.spec().physicalCollection(), msg);
                        set(job, State.failed, msg);
                        failed.increment();
                        drain();
                    });
            running.put(job.key(), c);
        }
    }

    private void set(Job job, State s, String error) {
        IndexSpec spec = job.spec();
        statuses.put(job.key(), new IndexStatus(job.slug(), spec.collection(), spec.name(), spec.type(), s, error));
    }

    private Uni<Void> build(IndexSpec spec) {
        ReactiveMongoDatabase db = database.get();
        if (spec.isAtlasOnly()) {
            Document def = new Document("name", spec.physicalName()).append("definition", spec.definition());
            if (!spec.type().equals("search")) {
                def.append("type", "vectorSearch");
            }
            return db.runCommand(new Document("createSearchIndexes", spec.physicalCollection()).append("indexes", List.of(def)))
                    .replaceWithVoid();
        }
        Document wanted = new Document("key", spec.keys()).append("name", spec.physicalName());
        spec.options().forEach((k, v) -> {
            if (!k.equals("background") && !k.equals("name")) { // background is ignored since MongoDB 4.2
                wanted.put(k, v);
            }
        });
        if (spec.name().equals(EXPERIMENT_ID_INDEX)) {
            // one round trip per collection: createIndexes is a no-op when the index exists; under another name
            // (g.nome's auto_experiment_id_asc) the server answers IndexOptionsConflict, and that index serves as well
            return create(db, spec, wanted).onFailure(e -> e instanceof MongoCommandException m && (m.getErrorCode() == 85 || m.getErrorCode() == 86))
                    .recoverWithNull();
        }
        return db.getCollection(spec.physicalCollection()).listIndexes().collect().asList()
                .chain(existing -> {
                    for (Document ix : existing) {
                        if (spec.physicalName().equals(ix.getString("name"))) {
                            if (sameIndex(wanted, ix)) {
                                return Uni.createFrom().voidItem();
                            }
                            LOG.infof("Index %s on %s changed; rebuilding", spec.physicalName(), spec.physicalCollection());
                            return db.runCommand(new Document("dropIndexes", spec.physicalCollection()).append("index", spec.physicalName()))
                                    .chain(() -> create(db, spec, wanted));
                        }
                    }
                    return create(db, spec, wanted);
                });
    }

    private static Uni<Void> create(ReactiveMongoDatabase db, IndexSpec spec, Document wanted) {
        return db.runCommand(new Document("createIndexes", spec.physicalCollection()).append("indexes", List.of(wanted)))
                .replaceWithVoid();
    }

    /** Same keys in the same order and the same options that matter (g.nome ignored option changes). */
    static boolean sameIndex(Document wanted, Document existing) {
        if (!new ArrayList<>(wanted.get("key", Document.class).entrySet()).equals(new ArrayList<>(existing.get("key", Document.class).entrySet()))) {
            return false;
        }
        for (String opt : List.of("unique", "sparse", "expireAfterSeconds", "partialFilterExpression")) {
            if (!Objects.equals(normalize(wanted.get(opt)), normalize(existing.get(opt)))) {
                return false;
            }
        }
        return true;
    }

    private static Object normalize(Object v) {
        if (Boolean.FALSE.equals(v)) {
            return null;
        }
        return v instanceof Number n ? n.longValue() : v;
    }

    public List<IndexStatus> status(String slug) {
        return statuses.values().stream().filter(s -> s.slug().equals(slug) && !s.name().equals(EXPERIMENT_ID_INDEX))
                .sorted(Comparator.comparing(IndexStatus::collection).thenComparing(IndexStatus::name)).toList();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Highest number of builds ever running at once in this process. */
    public int maxInFlightSeen() {
        return maxInFlightSeen.get();
    }

    /** True when nothing is queued or building. */
    public boolean idle() {
        return queue.isEmpty() && inFlight.get() == 0;
    }

    void cancelOnShutdown(@Observes ShutdownEvent ev) {
        queue.clear();
        running.values().forEach(Cancellable::cancel);
    }
}
