package com.modularlabs.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

/**
 * The realtime event log: every acknowledged data API write appends an entry (insert/update with the new document,
 * delete with the id and owner) to {@code labs_events}, numbered by one global sequence; a change made outside the
 * data API (a bundle import with data) appends a {@code reset} entry per collection. Entries are delivered to
 * listeners strictly in sequence order, once each:
 * <ul>
 * <li>local writes take the fast path: once their entry is stored they are handed to the tailer at once (no poll);</li>
 * <li>entries written by other replicas are found by polling exactly the next numbers by {@code _id} (an indexed
 * {@code $in} on every store, bounded by the batch size), at {@code poll-interval} or at once when a local entry
 * waits behind a number this replica did not reserve;</li>
 * <li>an entry seen both ways is delivered once (de-duplicated by its number).</li>
 * </ul>
 * Appends and reservations of concurrent writes are grouped: while one round trip is in flight the next ones
 * queue and go as one {@code $inc} / one unordered {@code insertMany}.
 * <p>
 * Order: the number is reserved <em>before</em> the write, so a write that follows another one causally (a PATCH
 * reads the previous version) always gets a higher number; a number whose write is still in flight is waited for
 * up to {@code gap-wait}, then skipped (and delivered late, without an id, if it shows up within LATE_WINDOW). A
 * failed write records a no-op entry so nobody waits for it.
 */
@ApplicationScoped
public class ChangeLog {
    private static final Logger LOG = Logger.getLogger(ChangeLog.class);
    public static final String EVENTS = EngineCollections.EVENTS;
    static final String COUNTER = EngineCollections.EVENT_SEQ;
    /** The op of an entry telling subscribers of a collection that it changed outside the data API: reload. */
    public static final String RESET = "reset";
    static final Duration LATE_WINDOW = Duration.ofMinutes(2);
    static final int MAX_SKIPPED = 1000;
    /** Numbers polled for when nothing is pending (a full window widens the next poll to poll-batch). */
    static final int MIN_WINDOW = 32;

    /**
     * One log entry; {@code doc} is null for deletes, resets and no-ops, {@code op} is insert, update, delete, reset
     * or noop; {@code late}: its number had been skipped (its write took longer than gap-wait), so it comes out of
     * order.
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
    private ScheduledExecutorService timer;
    private volatile boolean stopped;

    // ---- tailer state: only touched on the tailer thread
    private volatile long position = -1;
    /** Entries after {@code position}, known (stored locally or polled) but waiting for an earlier number. */
    private final TreeMap<Long, Entry> waiting = new TreeMap<>();
    /** Numbers skipped after gap-wait, and when: looked for again for LATE_WINDOW. */
    private final Map<Long, Long> skipped = new HashMap<>();
    private long gapSince;
    private long holeSince;
    private long counterCheckedAt;
    private int window = MIN_WINDOW;
    private boolean polling;
    private boolean pollAgain;

    /** Numbers reserved on this replica whose entry is not stored yet: a gap there is waited for, not polled for. */
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    /** This replica's id in its entries ({@code w}), to recognise its own entry after an ambiguous insert failure. */
    private final ObjectId writer = new ObjectId();

    // ---- grouping of concurrent reservations and appends
    private record Reservation(int n, CompletableFuture<Long> first) {
    }

    private record Append(List<Document> docs, CompletableFuture<Void> done) {
    }

    private final Object batches = new Object();
    private final List<Reservation> reservations = new ArrayList<>();
    private final List<Append> appends = new ArrayList<>();
    private boolean reserving;
    private boolean appending;

    private ReactiveMongoCollection<Document> events() {
        return database.collection(EVENTS);
    }

    private ReactiveMongoCollection<Document> counter() {
        return database.collection(COUNTER);
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

    // ---------------------------------------------------------------- writing

    /** How long a write's answer waits for its log entry (see {@link #recorded}). */
    static final Duration RECORD_WAIT = Duration.ofSeconds(1);

    /**
     * Runs {@code write} with {@code slots} sequence numbers reserved before it; after it succeeds, {@code changes}
     * says what it changed (at most {@code slots} entries; unused numbers become no-ops). The write's result or
     * failure is passed through unchanged, after its entries are stored (waiting at most RECORD_WAIT for that); a
     * failure to log never fails the write (the entry is then skipped by tailers after gap-wait, and logged here).
     */
    public <T> Uni<T> around(int slots, Supplier<Uni<T>> write, Function<T, List<Change>> changes) {
        // a store outage fails the write at once (503): the write would wait out the same timeout again, and a retry a third time
        return reserve(slots).onFailure(e -> !StoreOutage.isOutage(e)).retry().withBackOff(Duration.ofMillis(50)).atMost(2)
                .onFailure(e -> !StoreOutage.isOutage(e)).recoverWithItem(e -> {
                    LOG.warnf("Event sequence unavailable; the write goes unlogged: %s", e.getMessage());
                    return -1L;
                }).chain(first -> write.get()
                // a failed write's numbers become no-ops in the background: its error answer waits for nothing more
                .onFailure().invoke(e -> {
                    if (first >= 0) {
                        record(first, slots, List.of()).subscribe().with(x -> { }, x -> { });
                    }
                })
                .call(r -> first < 0 ? Uni.createFrom().voidItem() : recorded(record(first, slots, changes.apply(r)))));
    }

    /**
     * The write's answer waits for its log entry at most {@link #RECORD_WAIT}: a slow or frozen store must not hold
     * an acknowledged write past the store's request bound. The append goes on in the background and still hands
     * the entry to local subscribers when it is stored (see {@link #append}).
     */
    private static Uni<Void> recorded(Uni<Void> append) {
        return append.ifNoItem().after(RECORD_WAIT).recoverWithItem(() -> null);
    }

    /**
     * Tells every subscriber of these collections of {@code slug} to reload: their documents were changed outside
     * the data API (a bundle import with data). Completes when the entries are stored; never fails.
     */
    public Uni<Void> reset(String slug, Collection<String> collections) {
        if (collections.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Change> changes = collections.stream().map(c -> new Change(slug, c, RESET, null, null, null)).toList();
        return around(changes.size(), () -> Uni.createFrom().item(Boolean.TRUE), x -> changes).replaceWithVoid();
    }

    /** Reserves {@code n} consecutive numbers; returns the first. Concurrent reservations share one round trip. */
    Uni<Long> reserve(int n) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Long> f = new CompletableFuture<>();
            boolean go;
            synchronized (batches) {
                reservations.add(new Reservation(n, f));
                go = !reserving;
                reserving = true;
            }
            if (go) {
                flushReservations();
            }
            return Uni.createFrom().completionStage(f);
        });
    }

    private void flushReservations() {
        List<Reservation> batch;
        synchronized (batches) {
            if (reservations.isEmpty()) {
                reserving = false;
                return;
            }
            batch = new ArrayList<>(reservations);
            reservations.clear();
        }
        long total = batch.stream().mapToLong(Reservation::n).sum();
        counter().findOneAndUpdate(Filters.eq("_id", "seq"), Updates.inc("n", total),
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER)).subscribe().with(d -> {
                    long next = ((Number) d.get("n")).longValue() - total + 1;
                    for (Reservation r : batch) {
                        for (int i = 0; i < r.n(); i++) {
                            inFlight.add(next + i);
                        }
                        r.first().complete(next);
                        next += r.n();
                    }
                    flushReservations();
                }, e -> {
                    List<Reservation> failed = new ArrayList<>(batch);
                    if (StoreOutage.isOutage(e)) {
                        // the store is away: whoever queued meanwhile would wait a whole timeout again for the same answer
                        synchronized (batches) {
                            failed.addAll(reservations);
                            reservations.clear();
                        }
                    }
                    failed.forEach(r -> r.first().completeExceptionally(e));
                    flushReservations();
                });
    }

    private Uni<Void> record(long first, int slots, List<Change> changes) {
        Date now = new Date();
        List<Document> docs = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) {
            Document e = new Document("_id", first + i).append("ts", now).append("w", writer);
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
        return append(docs);
    }

    /** Stores entries; concurrent appends go as one unordered insertMany. Completes when each entry is settled. */
    private Uni<Void> append(List<Document> docs) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            // handed to local subscribers when stored, whether or not the writer still waits (recorded's bound)
            f.thenRun(() -> local(docs));
            boolean go;
            synchronized (batches) {
                appends.add(new Append(docs, f));
                go = !appending;
                appending = true;
            }
            if (go) {
                flushAppends();
            }
            return Uni.createFrom().completionStage(f);
        });
    }

    private void flushAppends() {
        List<Append> batch;
        synchronized (batches) {
            if (appends.isEmpty()) {
                appending = false;
                return;
            }
            batch = new ArrayList<>(appends);
            appends.clear();
        }
        List<Document> all = new ArrayList<>();
        batch.forEach(a -> all.addAll(a.docs()));
        Uni<?> insert = all.size() == 1 ? events().insertOne(all.get(0)) : events().insertMany(all, new InsertManyOptions().ordered(false));
        insert.subscribe().with(x -> {
            batch.forEach(a -> a.done().complete(null));
            flushAppends();
        }, e -> {
            // which entries are missing is known only from a bulk write error; otherwise each is settled on its own
            Set<Integer> failed = null;
            if (e instanceof com.mongodb.MongoBulkWriteException b) {
                failed = new java.util.HashSet<>();
                for (var w : b.getWriteErrors()) {
                    failed.add(w.getIndex());
                }
            }
            int i = 0;
            for (Append a : batch) {
                List<Uni<Void>> settle = new ArrayList<>();
                for (Document d : a.docs()) {
                    if (failed == null || failed.contains(i)) {
                        settle.add(settle(d, true));
                    }
                    i++;
                }
                (settle.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(settle).andCollectFailures().replaceWithVoid())
                        .subscribe().with(x -> a.done().complete(null), x -> a.done().complete(null));
            }
            flushAppends();
        });
    }

    /** E11000: the number is taken: by this entry (an earlier attempt went through) or by another writer's. */
    private static boolean duplicateKey(Throwable e) {
        return e instanceof com.mongodb.MongoWriteException w && w.getError().getCode() == 11000;
    }

    /**
     * One entry whose grouped insert failed: retried; a duplicate key that is not this entry means the number was
     * handed out twice (a store whose counter is not atomic under load): the entry gets a new number once, so it is
     * neither lost nor delivered twice.
     */
    private Uni<Void> settle(Document d, boolean mayRenumber) {
        long seq = ((Number) d.get("_id")).longValue();
        // no retry into an outage: each attempt would wait out a whole operation timeout
        return Uni.createFrom().deferred(() -> events().insertOne(d)).onFailure(e -> !duplicateKey(e) && !StoreOutage.isOutage(e)).retry()
                .withBackOff(Duration.ofMillis(50)).atMost(3).replaceWithVoid()
                .onFailure(ChangeLog::duplicateKey).recoverWithUni(e -> events().find(Filters.eq("_id", seq)).collect().first().chain(found -> {
                    if (found != null && writer.equals(found.get("w")) && java.util.Objects.equals(found.get("ts"), d.get("ts"))) {
                        return Uni.createFrom().voidItem(); // ours: an earlier attempt was stored
                    }
                    if (!mayRenumber) {
                        return Uni.createFrom().failure(e);
                    }
                    return reserve(1).chain(n -> {
                        inFlight.remove(seq);
                        d.put("_id", n);
                        return settle(d, false);
                    });
                }))
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("Could not record realtime event %d: %s", ((Number) d.get("_id")).longValue(), e.getMessage());
                    inFlight.remove(((Number) d.get("_id")).longValue());
                    return Uni.createFrom().voidItem();
                });
    }

    /** The fast path: stored entries of this replica go to the tailer at once. */
    private void local(List<Document> docs) {
        onTimer(() -> {
            for (Document d : docs) {
                long seq = ((Number) d.get("_id")).longValue();
                if (inFlight.remove(seq)) {
                    accept(entry(d));
                }
            }
            advance(true);
        });
    }

    // ---------------------------------------------------------------- reading

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
        if (timer == null || stopped) {
            return;
        }
        try {
            timer.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Polls now instead of at the next tick. */
    public void wake() {
        onTimer(this::poll);
    }

    /** On the tailer thread. */
    private void poll() {
        if (stopped) {
            return;
        }
        if (polling) {
            pollAgain = true;
            return;
        }
        polling = true;
        pollAgain = false;
        if (position < 0) {
            // start at the counter: a replica delivers what is written from now on (one point lookup)
            counter().find(Filters.eq("_id", "seq")).collect().first().emitOn(this::onTimer).subscribe().with(c -> {
                position = c == null ? 0L : ((Number) c.get("n")).longValue();
                waiting.headMap(position, true).clear(); // local writes made while starting: nobody subscribed yet
                pollDone(false);
            }, this::pollFailed);
            return;
        }
        expireSkipped();
        // exactly the next numbers not already known: one $in on _id (indexed on every store), bounded
        long top = position + window;
        if (!waiting.isEmpty()) {
            top = Math.max(top, waiting.lastKey());
        }
        top = Math.min(top, position + config.pollBatch());
        List<Long> ids = new ArrayList<>();
        ids.addAll(skipped.keySet());
        long from = position;
        for (long n = position + 1; n <= top; n++) {
            if (!waiting.containsKey(n) && !inFlight.contains(n)) {
                ids.add(n);
            }
        }
        if (ids.isEmpty()) {
            advance(false);
            pollDone(false);
            return;
        }
        long span = top - from;
        events().find(Filters.in("_id", ids), new FindOptions().sort(Sorts.ascending("_id")).limit(ids.size()).batchSize(ids.size()))
                .collect().asList().emitOn(this::onTimer).subscribe().with(docs -> {
                    int fresh = 0;
                    boolean topFound = false;
                    for (Document d : docs) {
                        long seq = ((Number) d.get("_id")).longValue();
                        topFound |= seq == from + span;
                        fresh += seq > from ? 1 : 0;
                        accept(entry(d));
                    }
                    advance(false);
                    // the whole window was there: more may follow at once
                    boolean more = topFound && span >= window;
                    window = more ? Math.max(MIN_WINDOW, config.pollBatch()) : MIN_WINDOW;
                    if (fresh == 0 && waiting.isEmpty()) {
                        checkForHole();
                        return;
                    }
                    pollDone(more);
                }, this::pollFailed);
    }

    private void pollDone(boolean more) {
        polling = false;
        if (more || pollAgain) {
            wake();
        }
    }

    private void pollFailed(Throwable e) {
        onTimer(() -> {
            polling = false;
            LOG.debugf("Polling %s failed: %s", EVENTS, e.getMessage());
        });
    }

    /**
     * Nothing new in the window: normally the log is idle. Once a second, the counter says whether numbers were
     * reserved past the window; if that stays so for gap-wait (a writer reserved many numbers and crashed), the
     * tailer jumps to the next stored entry instead of waiting behind the hole forever.
     */
    private void checkForHole() {
        long now = System.currentTimeMillis();
        if (now - counterCheckedAt < 1000) {
            pollDone(false);
            return;
        }
        counterCheckedAt = now;
        counter().find(Filters.eq("_id", "seq")).collect().first().emitOn(this::onTimer).subscribe().with(c -> {
            long reserved = c == null ? 0L : ((Number) c.get("n")).longValue();
            if (reserved <= position + window || !waiting.isEmpty()) {
                holeSince = 0;
                pollDone(false);
                return;
            }
            if (holeSince == 0) {
                holeSince = now;
            }
            if (now - holeSince < config.gapWait().toMillis()) {
                pollDone(false);
                return;
            }
            events().find(Filters.gt("_id", position), new FindOptions().sort(Sorts.ascending("_id")).limit(1).batchSize(1)).collect().first()
                    .emitOn(this::onTimer).subscribe().with(d -> {
                        if (d != null && ((Number) d.get("_id")).longValue() > position) {
                            holeSince = 0;
                            accept(entry(d));
                            gapSince = 1; // a gap seen since the epoch: advance skips to this entry at once
                            advance(false);
                        }
                        pollDone(d != null);
                    }, this::pollFailed);
        }, this::pollFailed);
    }

    private void expireSkipped() {
        long expired = System.currentTimeMillis() - LATE_WINDOW.toMillis();
        skipped.values().removeIf(t -> t < expired);
    }

    /** An entry from either path (tailer thread): kept for in-order delivery, or delivered late, or a duplicate. */
    private void accept(Entry e) {
        if (e.seq() <= position) {
            // a skipped number whose entry showed up after all: delivered late (marked), not lost; else seen already
            if (skipped.remove(e.seq()) != null) {
                notify(new Entry(e.seq(), e.slug(), e.coll(), e.op(), e.id(), e.owner(), e.doc(), e.writtenAt(), true));
            }
            return;
        }
        waiting.putIfAbsent(e.seq(), e);
    }

    /** Delivers waiting entries in order; at a gap, waits (gap-wait) for a write in flight, then skips the gap. */
    private void advance(boolean local) {
        while (!waiting.isEmpty()) {
            long first = waiting.firstKey();
            if (first == position + 1) {
                Entry e = waiting.pollFirstEntry().getValue();
                position = first;
                gapSince = 0;
                notify(e);
                continue;
            }
            long now = System.currentTimeMillis();
            if (gapSince == 0) {
                gapSince = now;
                // a number this replica did not reserve: another replica's entry, not polled yet
                if (local && !inFlight.contains(position + 1)) {
                    wake();
                }
            }
            if (now - gapSince < config.gapWait().toMillis()) {
                return;
            }
            LOG.warnf("Realtime event(s) %d..%d not recorded within %s; delivered late if they appear within %s",
                    position + 1, first - 1, config.gapWait(), LATE_WINDOW);
            for (long m = position + 1; m < first; m++) {
                inFlight.remove(m); // a local write that never recorded (cancelled): forget it
                if (skipped.size() < MAX_SKIPPED) {
                    skipped.put(m, now);
                }
            }
            position = first - 1;
            gapSince = 0;
        }
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
