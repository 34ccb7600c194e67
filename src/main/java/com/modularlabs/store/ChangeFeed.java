package com.modularlabs.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import io.quarkus.mongodb.reactive.ReactiveMongoDatabase;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.bson.BsonValue;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Tells every replica that a collection changed, so each can drop caches and rebuild its registry. Uses a MongoDB
 * change stream on the collection; where the server refuses change streams (a standalone mongod), it falls back
 * to polling a per-collection sequence document in {@code labs_changes}, which writers bump with {@link #touch}.
 * Listeners get the changed document's _id as a string, or {@link #ALL} when the exact document is unknown.
 */
@ApplicationScoped
public class ChangeFeed {
    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);
    public static final String ALL = "*";
    static final String CHANGES = EngineCollections.CHANGES;

    @Inject
    Database database;
    @Inject
    ChangeFeedConfig config;
    private Uni<Boolean> streams;

    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final Map<String, Cancellable> watches = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    private ReactiveMongoDatabase db() {
        return database.get();
    }

    /** Calls {@code listener} (on a driver or timer thread: hand heavy work to a Uni) for every change. */
    public void subscribe(String collection, Consumer<String> listener) {
        listeners.computeIfAbsent(collection, c -> new CopyOnWriteArrayList<>()).add(listener);
        // the decision may complete synchronously (memoized): reserve the slot first, start the watch outside it
        if (config.enabled() && watches.putIfAbsent(collection, PENDING) == null) {
            streamsSupported().subscribe().with(ok -> watches.put(collection, ok ? watch(collection) : poll(collection)),
                    err -> watches.put(collection, poll(collection)));
        }
    }

    private static final Cancellable PENDING = () -> { };

    /** Whether to use change streams: decided once, from the mode and the server's isMaster answer. */
    synchronized Uni<Boolean> streamsSupported() {
        if (streams == null) {
            streams = switch (config.mode()) {
                case "stream" -> Uni.createFrom().item(true);
                case "poll" -> Uni.createFrom().item(false);
                default -> database.admin().runCommand(new Document("isMaster", 1))
                        .map(r -> r.get("setName") != null || "isdbgrid".equals(r.getString("msg")))
                        .invoke(ok -> LOG.infof("Change feed: %s", ok ? "change streams" : "polling " + CHANGES + " every " + config.pollInterval()
                                + " (no replica set)"))
                        .memoize().indefinitely();
            };
        }
        return streams;
    }

    /** Writers call this after changing {@code collection}, so replicas on the polling fallback notice too. */
    public Uni<Void> touch(String collection, String key) {
        return db().getCollection(CHANGES).updateOne(Filters.eq("_id", collection),
                Updates.combine(Updates.inc("seq", 1L), Updates.set("key", key)), new UpdateOptions().upsert(true)).replaceWithVoid();
    }

    private Cancellable watch(String collection) {
        return db().getCollection(collection).watch(List.of(), Document.class)
                .select().where(e -> !stopped)
                .subscribe().with(ev -> emit(collection, keyOf(ev)), err -> {
                    if (stopped) {
                        return;
                    }
                    LOG.infof("Change stream on %s unavailable (%s); polling %s every %s instead", collection, err.getMessage(), CHANGES, config.pollInterval());
                    watches.put(collection, poll(collection));
                });
    }

    private Cancellable poll(String collection) {
        long[] last = {Long.MIN_VALUE};
        // A Multi cannot carry null: an absent sequence document (nothing written yet) must still reach the
        // subscriber as seq 0, or the first change ever (seq 1) would only set the baseline and be missed. A failed
        // poll is skipped (null). Ticks are dropped, not failed, while a slow poll is still running.
        return Multi.createFrom().ticks().every(config.pollInterval()).onOverflow().drop()
                .onItem().transformToUniAndConcatenate(t -> db().getCollection(CHANGES).find(Filters.eq("_id", collection)).collect().first()
                        .map(d -> d == null ? new Document("_id", collection).append("seq", 0L) : d)
                        .onFailure().recoverWithNull())
                .subscribe().with(doc -> {
                    long seq = doc.get("seq") instanceof Number n ? n.longValue() : 0L;
                    if (last[0] != Long.MIN_VALUE && seq != last[0]) {
                        // the document keeps only the last key: after several changes in one interval, reload all
                        emit(collection, doc.getString("key") == null || seq - last[0] != 1 ? ALL : doc.getString("key"));
                    }
                    last[0] = seq;
                }, err -> LOG.warnf("Polling %s failed: %s", CHANGES, err.getMessage()));
    }

    private static String keyOf(ChangeStreamDocument<Document> ev) {
        BsonValue id = ev.getDocumentKey() == null ? null : ev.getDocumentKey().get("_id");
        if (id == null) {
            return ALL;
        }
        return id.isObjectId() ? id.asObjectId().getValue().toHexString() : id.isString() ? id.asString().getValue() : id.toString();
    }

    private void emit(String collection, String key) {
        for (Consumer<String> l : listeners.getOrDefault(collection, List.of())) {
            try {
                l.accept(key);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Change listener on %s failed", collection);
            }
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        stopped = true;
        watches.values().forEach(Cancellable::cancel);
    }

}
