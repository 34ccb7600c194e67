package com.modularlabs.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * The realtime event log: every acknowledged data API write appends an entry (insert/update with the new document,
 * delete with the id and owner) to {@code labs_events}, numbered by one global sequence. Every replica tails it by
 * polling (a local write wakes the local tailer at once), so a write on replica A reaches subscribers on replica B;
 * entries older than the retention window are removed, and within it a client resumes from its last event id.
 * <p>
 * Order: the sequence number is reserved <em>before</em> the write, so a write that follows another one causally
 * (a PATCH reads the previous version) always gets a higher number; the tailer delivers numbers strictly in order,
 * waiting up to {@code gap-wait} for a reserved number whose write is still in flight, and skipping it after that.
 * A failed write records a no-op entry so nobody waits for it.
 */
@ApplicationScoped
public class ChangeLog {
    private static final Logger LOG = Logger.getLogger(ChangeLog.class);
    public static final String EVENTS = EngineCollections.EVENTS;
    static final String COUNTER = EngineCollections.EVENT_SEQ;

    /**
     * One log entry; {@code doc} is null for deletes and no-ops, {@code op} is insert, update, delete or noop;
     * {@code late}: its number had been skipped (its write took longer than gap-wait), so it comes out of order.
     */
    public record Entry(long seq, String slug, String coll, String op, Object id, String owner, Document doc, long writtenAt, boolean late) {
    }

    /** What a write changed, before it has a sequence number. */
    public record Change(String slug, String coll, String op, Object id, String owner, Document doc) {
    }

    @Inject
    Database database;
    @Inject
    ChangeLogConfig config;

    private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private ScheduledExecutorService timer;
    private volatile long position = -1;
    private volatile long gapSince;
    /** Numbers skipped after gap-wait, and when: looked for again for LATE_WINDOW. */
    private final java.util.Map<Long, Long> skipped = new java.util.concurrent.ConcurrentHashMap<>();
    static final java.time.Duration LATE_WINDOW = java.time.Duration.ofMinutes(2);
    static final int MAX_SKIPPED = 1000;
    private volatile boolean stopped;

    private ReactiveMongoCollection<Document> events() {
        return database.collection(EVENTS);
    }

    void start(@Observes StartupEvent ev) {
        events().createIndex(Indexes.ascending("ts"), new IndexOptions().name("ts_ttl").expireAfter(config.retention().toSeconds(), TimeUnit.SECONDS))
                .subscribe().with(x -> { }, e -> LOG.debugf("TTL index on %s: %s", EVENTS, e.getMessage()));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "labs-changelog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::poll, 0, Math.max(10, config.pollInterval().toMillis()), TimeUnit.MILLISECONDS);
        // the TTL monitor runs once a minute on MongoDB and not at all on the embedded store: sweep here too
        timer.scheduleWithFixedDelay(this::sweep, 60, 60, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        stopped = true;
        if (timer != null) {
            timer.shutdown(); // a poll in flight may still hand its result over (emitOn); nothing new is scheduled
        }
    }

    /** Listeners run on the tailer's thread, one entry at a time in sequence order: hand heavy work elsewhere. */
    public void listen(Consumer<Entry> listener) {
        listeners.add(listener);
    }

    /** The last sequence number delivered to listeners on this replica (-1 before the first poll). */
    public long position() {
        return position;
    }

    /**
     * Runs {@code write} with {@code slots} sequence numbers reserved before it; after it succeeds, {@code changes}
     * says what it changed (at most {@code slots} entries; unused numbers become no-ops). The write's result or
     * failure is passed through unchanged; a failure to log never fails the write (the entry is then skipped by
     * tailers after gap-wait, and logged here).
     */
    public <T> Uni<T> around(int slots, Supplier<Uni<T>> write, Function<T, List<Change>> changes) {
        return reserve(slots).onFailure().retry().withBackOff(java.time.Duration.ofMillis(50)).atMost(2).onFailure().recoverWithItem(e -> {
            LOG.warnf("Event sequence unavailable; the write goes unlogged: %s", e.getMessage());
            return -1L;
        }).chain(first -> write.get()
                .onFailure().call(e -> first < 0 ? Uni.createFrom().voidItem() : record(first, slots, List.of()))
                .call(r -> first < 0 ? Uni.createFrom().voidItem() : record(first, slots, changes.apply(r))));
    }

    /** Reserves {@code n} numbers; returns the first. */
    Uni<Long> reserve(int n) {
        return database.collection(COUNTER).findOneAndUpdate(Filters.eq("_id", "seq"), Updates.inc("n", (long) n),
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER))
                .map(d -> ((Number) d.get("n")).longValue() - n + 1);
    }

    private Uni<Void> record(long first, int slots, List<Change> changes) {
        return record(first, slots, changes, true);
    }

    /** E11000: the number was taken (a store whose counter is not atomic under load handed it out twice). */
    private static boolean duplicateKey(Throwable e) {
        return e instanceof com.mongodb.MongoWriteException w && w.getError().getCode() == 11000
                || e instanceof com.mongodb.MongoBulkWriteException b && b.getWriteErrors().stream().anyMatch(x -> x.getCode() == 11000);
    }

    private Uni<Void> record(long first, int slots, List<Change> changes, boolean mayRenumber) {
        Date now = new Date();
        List<Document> docs = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) {
            Document e = new Document("_id", first + i).append("ts", now);
            if (i < changes.size()) {
                Change c = changes.get(i);
                e.append("slug", c.slug()).append("coll", c.coll()).append("op", c.op()).append("id", c.id()).append("owner", c.owner());
                if (c.doc() != null) {
                    e.append("doc", c.doc());
                }
            } else {
                e.append("op", "noop");
            }
            docs.add(e);
        }
        // retried: an entry that is never written is an event lost to every subscriber. A duplicate key means the number
        // was handed out twice: the entry gets a new number once (at worst an event is delivered twice, never lost).
        Uni<?> insert = Uni.createFrom().deferred(() -> docs.size() == 1 ? events().insertOne(docs.get(0)) : events().insertMany(docs))
                .onFailure(e -> !duplicateKey(e)).retry().withBackOff(java.time.Duration.ofMillis(50)).atMost(3);
        return insert.invoke(x -> wake()).replaceWithVoid().onFailure(e -> mayRenumber && duplicateKey(e))
                .recoverWithUni(e -> reserve(slots).chain(f -> record(f, slots, changes, false))).onFailure().recoverWithUni(e -> {
            LOG.warnf("Could not record realtime events %d..%d: %s", first, first + slots - 1, e.getMessage());
            return Uni.createFrom().voidItem();
        });
    }

    /** Entries after {@code after}, in order, at most {@code limit} (for resuming a subscription). */
    public Uni<List<Entry>> since(long after, long upTo, int limit) {
        return events().find(Filters.and(Filters.gt("_id", after), Filters.lte("_id", upTo)),
                new FindOptions().sort(Sorts.ascending("_id")).limit(limit).batchSize(limit)).map(ChangeLog::entry).collect().asList();
    }

    /** The oldest retained entry's number, or -1 when the log is empty. */
    public Uni<Long> oldest() {
        return events().find(new FindOptions().sort(Sorts.ascending("_id")).limit(1).batchSize(1)).collect().first()
                .map(d -> d == null ? -1L : ((Number) d.get("_id")).longValue());
    }

    /** Runs on the tailer's thread; after shutdown, nothing runs (no rejected-task noise). */
    private void onTimer(Runnable r) {
        try {
            timer.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Polls now (after a local write) instead of at the next tick. */
    public void wake() {
        if (timer != null && !stopped) {
            onTimer(this::poll);
        }
    }

    private void poll() {
        if (stopped) {
            return;
        }
        if (!polling.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        again.set(false);
        Uni<Long> start = position >= 0 ? Uni.createFrom().item(position) : initialPosition();
        start.chain(p -> {
            position = p;
            // the counter is one point lookup: an idle log costs no range query (a scan on the embedded store)
            return database.collection(COUNTER).find(Filters.eq("_id", "seq")).collect().first();
        }).chain(c -> {
            long reserved = c == null ? 0L : ((Number) c.get("n")).longValue();
            if (reserved <= position && skipped.isEmpty()) {
                return Uni.createFrom().item(List.<Document>of());
            }
            // exactly the reserved numbers not yet seen: an _id lookup per number, on every store (no range scan)
            int n = (int) Math.min(config.pollBatch(), reserved - position);
            List<Long> ids = new ArrayList<>(n + skipped.size());
            long expired = System.currentTimeMillis() - LATE_WINDOW.toMillis();
            skipped.values().removeIf(t -> t < expired);
            ids.addAll(skipped.keySet());
            for (long i = 1; i <= n; i++) {
                ids.add(position + i);
            }
            return events().find(Filters.in("_id", ids), new FindOptions().sort(Sorts.ascending("_id")).limit(ids.size())
                    .batchSize(ids.size())).collect().asList();
        }).emitOn(this::onTimer).subscribe().with(docs -> {
            boolean full = docs.size() == config.pollBatch();
            // (a full batch may leave more behind it: poll again at once)
            boolean progressed = deliver(docs);
            polling.set(false);
            if ((full && progressed) || again.get()) {
                wake();
            }
        }, e -> {
            polling.set(false);
            LOG.debugf("Polling %s failed: %s", EVENTS, e.getMessage());
        });
    }

    /** Starts after the newest entry (or the counter, when the log is empty): a replica delivers what is written from now. */
    private Uni<Long> initialPosition() {
        return events().find(new FindOptions().sort(Sorts.descending("_id")).limit(1).batchSize(1)).collect().first().chain(d -> d != null
                ? Uni.createFrom().item(((Number) d.get("_id")).longValue())
                : database.collection(COUNTER).find(Filters.eq("_id", "seq")).collect().first()
                        .map(c -> c == null ? 0L : ((Number) c.get("n")).longValue()));
    }

    private boolean deliver(List<Document> docs) {
        boolean progressed = false;
        for (Document d : docs) {
            long seq = ((Number) d.get("_id")).longValue();
            if (seq <= position) {
                // a skipped number whose entry showed up after all: delivered late (marked), not lost
                if (skipped.remove(seq) != null) {
                    Entry e = entry(d);
                    notify(new Entry(e.seq(), e.slug(), e.coll(), e.op(), e.id(), e.owner(), e.doc(), e.writtenAt(), true));
                }
                continue;
            }
            if (seq != position + 1) {
                long now = System.currentTimeMillis();
                if (gapSince == 0) {
                    gapSince = now;
                }
                if (now - gapSince < config.gapWait().toMillis()) {
                    // a reserved number whose write is still in flight: wait for it (next poll)
                    return progressed;
                }
                LOG.warnf("Realtime event(s) %d..%d not recorded within %s; delivered late if they appear within %s",
                        position + 1, seq - 1, config.gapWait(), LATE_WINDOW);
                for (long m = position + 1; m < seq && skipped.size() < MAX_SKIPPED; m++) {
                    skipped.put(m, now);
                }
            }
            gapSince = 0;
            position = seq;
            progressed = true;
            notify(entry(d));
        }
        return progressed;
    }

    private void notify(Entry e) {
        if ("noop".equals(e.op())) {
            return;
        }
        for (Consumer<Entry> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                LOG.warnf(ex, "Realtime listener failed on event %d", e.seq());
            }
        }
    }

    static Entry entry(Document d) {
        Date ts = d.getDate("ts");
        return new Entry(((Number) d.get("_id")).longValue(), d.getString("slug"), d.getString("coll"), d.getString("op"), d.get("id"),
                d.getString("owner"), d.get("doc", Document.class), ts == null ? 0 : ts.getTime(), false);
    }

    private void sweep() {
        events().deleteMany(Filters.lt("ts", new Date(System.currentTimeMillis() - config.retention().toMillis())))
                .subscribe().with(x -> { }, e -> LOG.debugf("Sweeping %s failed: %s", EVENTS, e.getMessage()));
    }
}
