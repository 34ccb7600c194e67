package com.modularlabs.audit;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.common.Failure;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

/**
 * Who did what, when, to what, with before/after, in {@code labs_audit}. Every admin API write is recorded by
 * {@link AuditRecorder}; a resource that knows more (the state before and after) adds it with {@link #note}. This
 * package calls no feature code: others call it.
 */
@ApplicationScoped
public class AuditLog {
    public static final String COLLECTION = EngineCollections.AUDIT;
    static final String NOTE_KEY = "labs.audit.note";
    static final int MAX_LIMIT = 200;
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final Pattern SAFE = Pattern.compile("^[A-Za-z0-9_.@+:/-]{1,200}$");

    /** What a resource adds to the automatic record of its request. */
    public record Note(String action, String slug, String target, Object before, Object after) {
    }

    /** One filter of the audit API; null fields do not filter. {@code after} is the id to continue after (newest first). */
    public record Query(String slug, String actor, String action, Instant since, Instant until, String after, int limit) {
    }

    @Inject
    AuditRepository repo;
    @Inject
    CurrentVertxRequest request;
    @Inject
    AuditConfig config;

    ReactiveMongoCollection<Document> coll() {
        return repo.docs();
    }

    /** Own indexes at startup (not registry.CoreIndexes: auth and registry call this package, so no cycle back). */
    void onStart(@Observes StartupEvent ev) {
        ensureIndexes().subscribe().with(x -> { }, e -> LOG.warnf("audit indexes not created: %s", e.getClass().getSimpleName()));
    }

    Uni<Void> ensureIndexes() {
        return repo.ensureIndexes(config.retention());
    }

    /**
     * Attaches before/after to the current request's audit record. Call it on the request (it captures the
     * request at the call), then complete it from any thread with the returned setter.
     */
    public Consumer<Note> note() {
        RoutingContext rc = request.getCurrent();
        return n -> {
            if (rc != null) {
                rc.put(NOTE_KEY, n);
            }
        };
    }

    /** Writes one entry; a failure is logged, never the caller's failure (the action itself happened). */
    public Uni<Void> record(String actor, String method, String path, int status, Note note) {
        Document d = new Document("_id", new ObjectId()).append("at", new Date()).append("actor", actor)
                .append("method", method).append("path", path).append("status", status)
                .append("action", note != null && note.action() != null ? note.action() : AuditRecorder.actionOf(method, path))
                .append("slug", note != null && note.slug() != null ? note.slug() : AuditRecorder.slugOf(path));
        if (note != null) {
            d.append("target", note.target()).append("before", note.before()).append("after", note.after());
        } else {
            d.append("target", AuditRecorder.targetOf(path));
        }
        return coll().insertOne(d).replaceWithVoid().onFailure().recoverWithItem(e -> {
            LOG.warnf("audit entry for %s %s by %s not stored: %s", method, path, actor, e.getClass().getSimpleName());
            return null;
        });
    }

    public Uni<List<Document>> find(Query q) {
        List<Bson> f = new ArrayList<>();
        if (q.slug() != null) {
            f.add(Filters.eq("slug", safe(q.slug(), "slug")));
        }
        if (q.actor() != null) {
            f.add(Filters.eq("actor", safe(q.actor(), "actor")));
        }
        if (q.action() != null) {
            f.add(Filters.eq("action", safe(q.action(), "action")));
        }
        if (q.since() != null) {
            f.add(Filters.gte("at", Date.from(q.since())));
        }
        if (q.until() != null) {
            f.add(Filters.lt("at", Date.from(q.until())));
        }
        if (q.after() != null) {
            if (!ObjectId.isValid(q.after())) {
                throw Failure.malformed("after must be an entry id from a previous page");
            }
            f.add(Filters.lt("_id", new ObjectId(q.after())));
        }
        int limit = q.limit();
        if (limit < 1 || limit > MAX_LIMIT) {
            throw Failure.malformed("limit must be between 1 and " + MAX_LIMIT);
        }
        return coll().find(f.isEmpty() ? new Document() : Filters.and(f),
                new FindOptions().sort(Sorts.descending("_id")).limit(limit).batchSize(limit)).collect().asList();
    }

    /** The entries about one experiment, oldest first, for its export (bounded). Blocking callers only. */
    public List<Document> forExport(String slug, int max) {
        return coll().find(Filters.eq("slug", slug), new FindOptions().sort(Sorts.ascending("_id")).limit(max).batchSize(Math.min(max, 1000)))
                .collect().asList().await().atMost(Duration.ofSeconds(30));
    }

    /** The TTL index's work done by hand: the embedded store never expires documents. */
    @Scheduled(every = "${labs.audit.sweep-interval:1h}", delayed = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        Date cutoff = Date.from(Instant.now().minus(config.retention()));
        return coll().deleteMany(Filters.lt("at", cutoff)).replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.debugf("audit sweep failed: %s", e.getClass().getSimpleName());
                    return null;
                });
    }

    private static String safe(String v, String name) {
        if (!SAFE.matcher(v).matches()) {
            throw Failure.malformed(name + " has characters a " + name + " never has");
        }
        return v;
    }
}
