package com.modularlabs.functions;

import com.modularlabs.store.Database;
import com.modularlabs.store.EngineCollections;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.Failure;
import com.modularlabs.data.DataConfig;
import com.modularlabs.data.DocJson;
import com.modularlabs.data.WriteHooks;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Collection triggers. before_write: the function gets the documents about to be written and may refuse (its
 * 4xx problem+json goes to the client, nothing is written) or answer changed documents, which the data API then
 * stamps and validates like a client's; a broken function refuses the write (fail closed). after_write: one
 * delivery per written document is stored in {@value #DELIVERIES} before the client's answer, then delivered
 * asynchronously, at least once, with exponential backoff; each carries a stable id (X-Labs-Delivery-Id) for
 * de-duplication. Deliveries that exhaust their attempts are kept as failed for the admin API to list and retry.
 * Replicas share the queue: a delivery is claimed by moving its next_at past a lease, so only one replica calls
 * at a time and a crashed claim is retried after the lease.
 */
@ApplicationScoped
public class TriggerService implements WriteHooks {
    @Inject
    Database database;

    private static final Logger LOG = Logger.getLogger(TriggerService.class);
    /** Engine collection of after_write deliveries (pending and failed). */
    public static final String DELIVERIES = EngineCollections.TRIGGER_DELIVERIES;
    static final String PENDING = "pending";
    static final String FAILED = "failed";
    private static final int CLAIMS_PER_TICK = 32;

    @Inject
    FunctionCatalog catalog;
    @Inject
    FunctionService functions;
    @Inject
    FunctionsConfig config;
    @Inject
    DataConfig dataConfig;
    @Inject
    ExperimentRegistry registry;
    @Inject
    MeterRegistry meters;

    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean();

    @Inject
    void gauges(MeterRegistry r) {
        Gauge.builder("labs.trigger.backlog", backlog, AtomicLong::get).description("after_write deliveries waiting (all replicas)").register(r);
        Gauge.builder("labs.trigger.failed", failed, AtomicLong::get).description("after_write deliveries kept as failed").register(r);
    }

    ReactiveMongoCollection<Document> deliveries() {
        return database.get().getCollection(DELIVERIES);
    }

    // ---------------------------------------------------------------- before_write

    @Override
    public Uni<List<Document>> before(Experiment e, CollectionSpec c, String operation, List<Document> docs, Document previous,
            SecurityIdentity who) {
        TriggerSpec t = catalog.triggers(e, c.name());
        FunctionSpec f = t == null || t.beforeWrite() == null ? null : catalog.function(e, t.beforeWrite());
        if (f == null || docs.isEmpty() || docs.size() > dataConfig.maxBulk()) {
            return Uni.createFrom().item(docs); // nothing to do, or the data API refuses the request next
        }
        Document event = new Document("event", "before_write").append("operation", operation).append("collection", c.name())
                .append("documents", docs).append("previous", previous);
        byte[] body = DocJson.toJson(event).getBytes(StandardCharsets.UTF_8);
        return functions.invoke(f, body, Caller.of(who), Map.of("X-Labs-Trigger", "before_write"))
                .map(r -> answer(f, r, docs));
    }

    private static List<Document> answer(FunctionSpec f, FunctionService.Result r, List<Document> docs) {
        if (r.status() >= 400) {
            throw refusal(r);
        }
        if (r.body() == null || r.body().length == 0) {
            return docs;
        }
        Document a;
        try {
            a = DocJson.parseObject(new String(r.body(), StandardCharsets.UTF_8), "The answer");
        } catch (Failure bad) {
            throw badAnswer(f, "not a JSON object");
        }
        if (!a.containsKey("documents")) {
            return docs; // accepted unchanged
        }
        if (!(a.get("documents") instanceof List<?> list) || list.size() != docs.size()
                || !list.stream().allMatch(Document.class::isInstance)) {
            throw badAnswer(f, "documents must be a list of " + docs.size() + " object(s)");
        }
        return list.stream().map(Document.class::cast).toList();
    }

    /** The function's own problem+json (4xx), as the client's answer. */
    private static Failure refusal(FunctionService.Result r) {
        Document p;
        try {
            p = Document.parse(new String(r.body(), StandardCharsets.UTF_8));
        } catch (RuntimeException notAnObject) { // JSON, but an array or a scalar: refused all the same, in our words
            p = new Document();
        }
        List<FieldError> errors = new ArrayList<>();
        if (p.get("errors") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Document d && d.get("path") instanceof String path && d.get("message") instanceof String m) {
                    errors.add(new FieldError(path, m));
                }
            }
        }
        // the function's own status and title (a 4xx, checked by FunctionService.classify) are passed on as they came
        return Failure.upstreamRefused(r.status(), p.get("title") instanceof String s ? s : "Refused",
                p.get("detail") instanceof String d ? d : "The write was refused by the experiment", errors);
    }

    private static Failure badAnswer(FunctionSpec f, String why) {
        return Failure.upstreamFailed("Trigger function '" + f.name() + "' answered an unusable result: " + why
                + "; nothing was written");
    }

    // ---------------------------------------------------------------- after_write

    @Override
    public Uni<Void> after(Experiment e, CollectionSpec c, String operation, List<Document> docs, SecurityIdentity who) {
        return after(e, c, operation, docs, null, who);
    }

    @Override
    public Uni<Void> after(Experiment e, CollectionSpec c, String operation, List<Document> docs, Document previous, SecurityIdentity who) {
        TriggerSpec t = catalog.triggers(e, c.name());
        if (t == null || t.afterWrite() == null || docs.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Caller caller = Caller.of(who);
        Date now = new Date();
        List<Document> queued = new ArrayList<>(docs.size());
        for (Document d : docs) {
            queued.add(new Document("_id", UUID.randomUUID().toString()).append("experiment", e.slug()).append("collection", c.name())
                    .append("function", t.afterWrite()).append("operation", operation).append("document", d).append("previous", previous)
                    .append("caller", new Document("user_id", caller.userId()).append("email", caller.email()).append("roles", caller.roles()))
                    .append("status", PENDING).append("attempts", 0).append("next_at", now).append("created_at", now));
        }
        // stored before the client's answer: a delivery survives a restart right after the write
        return deliveries().insertMany(queued).invoke(x -> kick()).replaceWithVoid()
                .onFailure().invoke(err -> LOG.errorf("after_write deliveries of %s/%s could not be queued: %s", e.slug(), c.name(), err.toString()))
                .onFailure().recoverWithNull();
    }

    /** Starts a delivery round now (after a write or a retry) instead of waiting for the next tick. */
    void kick() {
        deliverDue().subscribe().with(x -> { }, err -> LOG.warnf("Trigger delivery round failed: %s", err.toString()));
    }

    @Scheduled(every = "${labs.functions.trigger-poll:1s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        return deliverDue().chain(this::countBacklog).onFailure().invoke(err -> LOG.warnf("Trigger delivery round failed: %s", err.toString()))
                .onFailure().recoverWithNull();
    }

    private Uni<Void> countBacklog() {
        return Uni.combine().all().unis(deliveries().countDocuments(new Document("status", PENDING)),
                deliveries().countDocuments(new Document("status", FAILED))).asTuple().invoke(t -> {
                    backlog.set(t.getItem1());
                    failed.set(t.getItem2());
                }).replaceWithVoid();
    }

    /** Claims and delivers what is due, a few at a time; one round at a time per replica. */
    Uni<Void> deliverDue() {
        if (!running.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().range(0, CLAIMS_PER_TICK).onItem().transformToUniAndConcatenate(i -> claim())
                .select().where(d -> d != null).onItem().transformToUni(this::deliver).merge(4)
                .collect().asList().replaceWithVoid()
                .onTermination().invoke(() -> running.set(false));
    }

    private Uni<Document> claim() {
        Date now = new Date();
        Date lease = new Date(now.getTime() + config.maxTimeout().toMillis() + 10_000);
        return deliveries().findOneAndUpdate(new Document("status", PENDING).append("next_at", new Document("$lte", now)),
                new Document("$set", new Document("next_at", lease)),
                new FindOneAndUpdateOptions().sort(new Document("next_at", 1)).returnDocument(ReturnDocument.AFTER));
    }

    private Uni<Void> deliver(Document d) {
        String id = d.getString("_id");
        int attempt = d.getInteger("attempts", 0) + 1;
        Experiment e = registry.snapshot().active(d.getString("experiment")).orElse(null);
        FunctionSpec f = e == null ? null : catalog.function(e, d.getString("function"));
        if (f == null) {
            return settle(d, attempt, false, "the experiment or function is no longer active", null);
        }
        Document c = d.get("caller", new Document());
        Caller caller = new Caller(c.getString("user_id"), c.getString("email"), c.getList("roles", String.class, List.of()));
        Document event = new Document("event", "after_write").append("delivery_id", id).append("operation", d.getString("operation"))
                .append("collection", d.getString("collection")).append("document", d.get("document")).append("previous", d.get("previous"))
                .append("attempt", attempt);
        byte[] body = DocJson.toJson(event).getBytes(StandardCharsets.UTF_8);
        return functions.invoke(f, body, caller, Map.of("X-Labs-Trigger", "after_write", "X-Labs-Delivery-Id", id))
                .map(r -> r.status() < 300 ? (String) null : "HTTP " + r.status())
                .onFailure(FunctionService::notCalled).recoverWithUni(t -> defer(d, (Failure) t).replaceWith("deferred"))
                .onFailure().recoverWithItem(t -> t instanceof Failure p ? p.getMessage() : t.getClass().getSimpleName())
                .chain(error -> "deferred".equals(error) ? Uni.createFrom().voidItem() : settle(d, attempt, error == null, error, f));
    }

    /** The call did not go out (open circuit, experiment at its limit): try later without using up an attempt. */
    private Uni<Void> defer(Document d, Failure p) {
        long seconds = p.retryAfterSeconds() == null ? 1 : p.retryAfterSeconds();
        count(d.getString("experiment"), "deferred");
        return deliveries().updateOne(new Document("_id", d.get("_id")), new Document("$set",
                new Document("next_at", new Date(System.currentTimeMillis() + seconds * 1000)).append("updated_at", new Date())))
                .replaceWithVoid();
    }

    private Uni<Void> settle(Document d, int attempt, boolean ok, String error, FunctionSpec f) {
        String slug = d.getString("experiment");
        if (ok) {
            count(slug, "delivered");
            return deliveries().deleteOne(new Document("_id", d.get("_id"))).replaceWithVoid();
        }
        boolean last = f == null || attempt >= config.triggerAttempts();
        count(slug, last ? "failed" : "retry");
        long delay = Math.min(config.triggerMaxBackoff().toMillis(), config.triggerBackoff().toMillis() << Math.min(attempt - 1, 20));
        Document set = new Document("attempts", attempt).append("last_error", error).append("updated_at", new Date())
                .append("status", last ? FAILED : PENDING).append("next_at", new Date(System.currentTimeMillis() + delay));
        return deliveries().updateOne(new Document("_id", d.get("_id")), new Document("$set", set)).replaceWithVoid();
    }

    private void count(String slug, String outcome) {
        Counter.builder("labs.trigger.deliveries").description("after_write delivery attempts by outcome")
                .tag("experiment", slug).tag("outcome", outcome).register(meters).increment();
    }

    // ---------------------------------------------------------------- admin

    /** Failed deliveries, newest first (at most 200), optionally of one experiment. */
    public Uni<List<Document>> failures(String slug) {
        Document q = new Document("status", FAILED);
        if (slug != null && !slug.isBlank()) {
            q.append("experiment", slug);
        }
        return deliveries().find(q, new FindOptions().sort(new Document("updated_at", -1)).limit(200).batchSize(200)
                .projection(new Document("document", 0).append("caller", 0))).collect().asList();
    }

    /** Puts a failed delivery back in the queue with fresh attempts; false when there is no such failed delivery. */
    public Uni<Boolean> retry(String id) {
        return deliveries().updateOne(new Document("_id", id).append("status", FAILED), new Document("$set",
                new Document("status", PENDING).append("attempts", 0).append("next_at", new Date()).append("updated_at", new Date())))
                .map(r -> r.getMatchedCount() == 1).invoke(found -> {
                    if (found) {
                        kick();
                    }
                });
    }
}
