package com.modularlabs.realtime;

import com.modularlabs.data.SharedReads;
import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.auth.LabsTokenRequest;
import com.modularlabs.auth.UserStore;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.Failure;
import com.modularlabs.access.AccessLevel;
import com.modularlabs.data.DataConfig;
import com.modularlabs.data.DocJson;
import com.modularlabs.data.FilterRules;
import com.modularlabs.data.ListQuery;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.RegistryChanged;
import com.modularlabs.registry.RegistrySnapshot;
import com.modularlabs.store.ChangeFeed;
import com.modularlabs.store.ChangeLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Realtime subscriptions (issue 12, docs/realtime.md): authorizes subscriptions with the data API's own read
 * decisions (ExperimentAccess, AccessLevel, data_scope, FilterRules), routes every entry of the event log
 * ({@link ChangeLog}) to the connections subscribed to its collection, resumes from a Last-Event-ID within the
 * retention window, enforces the connection limits, and ends connections whose reader lost the right to read:
 * at once on registry changes (experiment deactivated, levels changed) and user or grant changes (any replica, via
 * the change feed), and every {@code revalidate} interval (token expiry).
 */
@ApplicationScoped
public class Realtime {
    private static final Logger LOG = Logger.getLogger(Realtime.class);

    @Inject
    RealtimeConfig config;
    @Inject
    DataConfig dataConfig;
    @Inject
    ChangeLog log;
    @Inject
    ChangeFeed feed;
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SharedReads sharedReads;
    @Inject
    IdentityProviderManager identities;
    @Inject
    MeterRegistry meters;

    private final AtomicLong ids = new AtomicLong();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Who reads a collection: subscriptions that see every document, and owner-scoped ones by owner (id and e-mail). */
    private static final class Readers {
        final Set<Connection> all = ConcurrentHashMap.newKeySet();
        final Map<String, Set<Connection>> byOwner = new ConcurrentHashMap<>();
    }

    private final Map<String, Readers> byCollection = new ConcurrentHashMap<>();
    private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> perExperiment = new ConcurrentHashMap<>();
    /** Dispatch and registration take this lock, so a new connection's start position is exact. */
    private final Object order = new Object();
    private long dispatched;
    private ScheduledExecutorService timer;
    private FilterRules rules;
    private Counter delivered;
    private Timer latency;

    void start(@Observes @Priority(200) StartupEvent ev) {
        rules = new FilterRules(dataConfig.filterDepth(), dataConfig.regexLength());
        delivered = Counter.builder("labs.realtime.events.delivered").description("Realtime events handed to subscribers' connections")
                .register(meters);
        latency = Timer.builder("labs.realtime.delivery").description("From write acknowledgement to the event's hand-off to the connection")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(10)).register(meters);
        Counter.builder("labs.realtime.events.dropped").tag("reason", "slow-consumer").register(meters);
        log.listen(this::dispatch);
        registry.snapshot().activeList().forEach(e -> subscribers(e.slug()));
        feed.subscribe(UserStore.USERS, key -> revalidateAll("user changed"));
        feed.subscribe(UserStore.CASBIN, key -> revalidateAll("grants changed"));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "labs-realtime");
            t.setDaemon(true);
            return t;
        });
        long hb = Math.max(100, config.heartbeat().toMillis());
        timer.scheduleWithFixedDelay(this::heartbeat, hb, hb, TimeUnit.MILLISECONDS);
        long rv = Math.max(100, config.revalidate().toMillis());
        timer.scheduleWithFixedDelay(() -> revalidateAll("periodic"), rv, rv, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) {
            timer.shutdownNow();
        }
        connections.forEach(c -> c.end("shutdown", Failure.unavailable("The server is shutting down; reconnect to resume")));
    }

    // ---------------------------------------------------------------- opening a stream

    /**
     * Authorizes and opens a stream; everything that can be refused (access, subscriptions, limits) is refused here
     * as a problem response, before the first byte of the stream.
     */
    public Multi<OutboundSseEvent> open(String slug, String subscribeJson, String lastEventId, SecurityIdentity who, String token,
            String tokenSource, String address, Sse sse) {
        List<Subscription.Spec> specs = parseSpecs(subscribeJson);
        RegistrySnapshot snap = registry.snapshot();
        List<Subscription> subs = authorize(snap, slug, specs, who);
        Long resumeFrom = parseLastEventId(lastEventId);
        String user = AccessLevel.callerId(who);
        if (user != null && count(perUser, user) >= config.maxConnectionsPerUser()) {
            throw tooMany("Too many realtime connections for this user (limit " + config.maxConnectionsPerUser()
                    + "); close another tab or share one connection");
        }
        if (address != null && count(perAddress, address) >= config.maxConnectionsPerAddress()) {
            throw tooMany("Too many realtime connections from this address (limit " + config.maxConnectionsPerAddress() + ")");
        }
        Connection c = new Connection(ids.incrementAndGet(), slug, user, address, token, tokenSource, who, subs, sse, config.queueEvents(), this);
        return Multi.createFrom().<OutboundSseEvent>emitter(em -> {
            em.onTermination(c::gone);
            // subscribed on the request's event loop: every write of this stream happens there
            io.vertx.core.Context ctx = io.vertx.core.Vertx.currentContext();
            java.util.concurrent.Executor writer = ctx == null ? Runnable::run : task -> ctx.runOnContext(v -> task.run());
            long start;
            synchronized (order) {
                c.attach(em, resumeFrom != null, writer);
                register(c);
                start = dispatched;
                if (resumeFrom == null) {
                    c.setLastSeq(start);
                }
                // inside the lock: "ready" is the first event, before any live one
                c.control("ready", Long.toString(resumeFrom == null ? start : resumeFrom), readyJson(subs, resumeFrom != null));
            }
            if (resumeFrom != null) {
                replay(c, resumeFrom, start);
            }
        }, BackPressureStrategy.BUFFER);
    }

    private static Failure tooMany(String detail) {
        return Failure.rateLimited(detail);
    }

    private static int count(Map<String, Integer> m, String key) {
        return m.getOrDefault(key, 0);
    }

    private static String readyJson(List<Subscription> subs, boolean resumed) {
        StringBuilder b = new StringBuilder("{\"subscriptions\":[");
        for (int i = 0; i < subs.size(); i++) {
            b.append(i > 0 ? "," : "").append(Subscription.quote(subs.get(i).id()));
        }
        return b.append("],\"resumed\":").append(resumed).append('}').toString();
    }

    private void register(Connection c) {
        connections.add(c);
        for (Subscription s : c.subscriptions) {
            Readers r = byCollection.computeIfAbsent(s.key(), k -> new Readers());
            if (s.ownerOnly() == null) {
                r.all.add(c);
            } else {
                for (String owner : owners(s)) {
                    r.byOwner.compute(owner, (k, set) -> {
                        Set<Connection> out = set == null ? ConcurrentHashMap.newKeySet() : set;
                        out.add(c);
                        return out;
                    });
                }
            }
        }
        if (c.user != null) {
            perUser.merge(c.user, 1, Integer::sum);
        }
        if (c.address != null) {
            perAddress.merge(c.address, 1, Integer::sum);
        }
        subscribers(c.slug).addAndGet(c.subscriptions.size());
    }

    /** The per-experiment gauge (registered for every active experiment, so dashboards see 0 rather than nothing). */
    private AtomicInteger subscribers(String slug) {
        return perExperiment.computeIfAbsent(slug, k -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("labs.realtime.subscribers", n, AtomicInteger::get).tag("experiment", k)
                    .description("Subscriptions open on this replica").register(meters);
            return n;
        });
    }

    /** Replays (from, upTo] from the log, or tells the client to reload when that is no longer possible. */
    private void replay(Connection c, long from, long upTo) {
        log.oldest().chain(oldest -> {
            boolean lost = from > upTo || (oldest < 0 ? upTo > from : oldest > from + 1);
            if (lost) {
                return Uni.createFrom().item((List<ChangeLog.Entry>) null);
            }
            return log.since(from, upTo, config.replayMax() + 1);
        }).subscribe().with(entries -> {
            if (entries == null || entries.size() > config.replayMax()) {
                c.control("reset", Long.toString(upTo), "{\"reason\":\"The resume point is outside the retention window; reload\"}");
                c.finishReplay(List.of(), upTo);
            } else {
                c.finishReplay(entries, upTo);
            }
        }, e -> c.end("error", Failure.unavailable("Could not read the event log to resume; reconnect")));
    }

    // ---------------------------------------------------------------- authorization (the data API's read rules)

    private List<Subscription.Spec> parseSpecs(String json) {
        if (json == null || json.isBlank()) {
            throw Failure.invalid("Nothing to subscribe to", List.of(new FieldError("subscribe",
                    "required: a JSON array of {\"collection\": ..., \"filter\": ..., \"fields\": ..., \"id\": ...}")));
        }
        if (json.length() > 16 * 1024) {
            throw Failure.invalid("Subscriptions too large", List.of(new FieldError("subscribe", "at most 16384 characters")));
        }
        Object parsed = DocJson.parseObject("{\"s\":" + json + "}", "subscribe").get("s");
        if (!(parsed instanceof List<?> list) || list.isEmpty()) {
            throw Failure.invalid("Invalid subscriptions", List.of(new FieldError("subscribe", "must be a non-empty JSON array")));
        }
        if (list.size() > config.maxSubscriptionsPerConnection()) {
            throw Failure.invalid("Too many subscriptions", List.of(new FieldError("subscribe",
                    "at most " + config.maxSubscriptionsPerConnection() + " subscriptions per connection")));
        }
        List<FieldError> errors = new ArrayList<>();
        List<Subscription.Spec> specs = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String p = "subscribe[" + i + "]";
            if (!(list.get(i) instanceof Document d)) {
                errors.add(new FieldError(p, "must be an object"));
                continue;
            }
            for (String k : d.keySet()) {
                if (!Set.of("id", "collection", "filter", "fields", "owner").contains(k)) {
                    errors.add(new FieldError(p + "." + k, "unknown key (id, collection, filter, fields, owner)"));
                }
            }
            String id = d.get("id") == null ? Integer.toString(i) : d.get("id") instanceof String s && !s.isEmpty() && s.length() <= 64 ? s : null;
            if (id == null) {
                errors.add(new FieldError(p + ".id", "must be a string of 1 to 64 characters"));
            } else if (!seen.add(id)) {
                errors.add(new FieldError(p + ".id", "duplicate subscription id"));
            }
            if (!(d.get("collection") instanceof String coll) || coll.isEmpty()) {
                errors.add(new FieldError(p + ".collection", "required string"));
                continue;
            }
            Object filter = d.get("filter");
            if (filter != null && !(filter instanceof Document)) {
                errors.add(new FieldError(p + ".filter", "must be an object"));
                continue;
            }
            if (filter != null) {
                for (FieldError f : rules.checkFilter((Document) filter)) {
                    errors.add(new FieldError(p + ".filter" + f.path().substring(1), f.message()));
                }
            }
            Object fields = d.get("fields");
            Object owner = d.get("owner");
            if (fields != null && !(fields instanceof String)) {
                errors.add(new FieldError(p + ".fields", "must be a string like the list API's fields"));
            }
            if (owner != null && !(owner instanceof String)) {
                errors.add(new FieldError(p + ".owner", "must be an experiment slug"));
            }
            specs.add(new Subscription.Spec(id, coll, (String) (owner instanceof String ? owner : null), (Document) filter,
                    fields instanceof String f ? f : null));
        }
        if (!errors.isEmpty()) {
            throw Failure.invalid("Invalid subscriptions", errors);
        }
        return specs;
    }

    /** The subscriptions as the caller may have them now; throws the problem a GET of the same data would get. */
    List<Subscription> authorize(RegistrySnapshot snap, String slug, List<Subscription.Spec> specs, SecurityIdentity who) {
        Experiment e = snap.active(slug).orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        access.require(e, who);
        List<Subscription> out = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            Subscription.Spec s = specs.get(i);
            Experiment target = e;
            CollectionSpec c;
            AccessLevel.Owner ownerOnly;
            String what = "Reading " + s.collection();
            if (s.owner() != null && !s.owner().equals(slug)) {
                // exactly the rules of GET /api/_shared/{owner}/{coll} (and of named queries reading other experiments)
                SharedReads.Grant g = sharedReads.check(e, s.owner(), s.collection(), who, what);
                target = g.owner();
                c = g.collection();
                ownerOnly = g.ownerOnly();
            } else {
                c = target.collections().get(s.collection());
                if (c == null) {
                    throw Failure.notFound("Experiment '" + target.slug() + "' has no collection '" + s.collection() + "'");
                }
                ownerOnly = AccessLevel.check(c.read(), who, what);
            }
            AccessLevel.requireService(c.read(), who, target.slug(), what);
            if (s.filter() != null) {
                // the author fields are hidden from non-admins: no filtering on them either (as the list API)
                List<FieldError> hidden = rules.checkFilter(s.filter(), AccessLevel.hiddenFields(who));
                if (!hidden.isEmpty()) {
                    String p = "subscribe[" + i + "].filter";
                    throw Failure.invalid("Invalid subscriptions", hidden.stream()
                            .map(f -> new FieldError(p + f.path().substring(1), f.message())).toList());
                }
            }
            Matcher m;
            try {
                m = new Matcher(s.filter());
            } catch (Matcher.Invalid inv) {
                String p = "subscribe[" + i + "].filter";
                throw Failure.invalid("Invalid subscriptions", inv.errors.stream()
                        .map(f -> new FieldError(p + f.path().substring(1), f.message())).toList());
            }
            Projection proj = Projection.ALL;
            if (s.fields() != null && !s.fields().isBlank()) {
                proj = new Projection(s.fields(), ListQuery.parseFields(s.fields(), List.of()).projection());
            }
            out.add(new Subscription(s.id(), target.slug(), c.name(), ownerOnly, AccessLevel.isAdmin(who) ? null : AccessLevel.caller(who), m, proj, s));
        }
        return out;
    }

    private static Long parseLastEventId(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            long v = Long.parseLong(raw.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw Failure.invalid("Invalid Last-Event-ID", List.of(new FieldError("Last-Event-ID", "must be an event id from this stream")));
    }

    // ---------------------------------------------------------------- delivery

    /** The values of created_by that an owner-scoped subscription reads (its id, and the e-mail of g.nome's stamps). */
    private static List<String> owners(Subscription s) {
        AccessLevel.Owner o = s.ownerOnly();
        return o.email() == null || o.email().equals(o.id()) ? List.of(o.id()) : List.of(o.id(), o.email());
    }

    /**
     * One entry to the connections that may see it: those reading the whole collection, and the owner-scoped ones
     * of the entry's owner only (a reset goes to all of them); no work per other subscriber.
     */
    private void dispatch(ChangeLog.Entry e) {
        synchronized (order) {
            Readers r = byCollection.get(Subscription.key(e.slug(), e.coll()));
            if (r != null) {
                Map<String, String> json = new HashMap<>();
                for (Connection c : r.all) {
                    c.accept(e, json);
                }
                if (ChangeLog.RESET.equals(e.op())) {
                    r.byOwner.values().forEach(set -> set.forEach(c -> c.accept(e, json)));
                } else if (e.owner() != null) {
                    Set<Connection> mine = r.byOwner.get(e.owner());
                    if (mine != null) {
                        for (Connection c : mine) {
                            c.accept(e, json);
                        }
                    }
                }
            }
            if (!e.late()) {
                dispatched = e.seq();
            }
        }
    }

    private void heartbeat() {
        synchronized (order) {
            String id = Long.toString(dispatched);
            for (Connection c : connections) {
                if (!c.replaying()) {
                    // the id advances the client's resume point past entries of other collections
                    c.setLastSeq(dispatched);
                    c.control("heartbeat", id, "{}");
                }
            }
        }
    }

    void delivered(Connection c, long writtenAt) {
        if (writtenAt > 0) {
            delivered.increment();
            latency.record(Math.max(0, System.currentTimeMillis() - writtenAt), TimeUnit.MILLISECONDS);
        }
    }

    void ended(Connection c, String reason, int droppedEvents) {
        if (!connections.remove(c)) {
            return;
        }
        for (Subscription s : c.subscriptions) {
            Readers r = byCollection.get(s.key());
            if (r == null) {
                continue;
            }
            if (s.ownerOnly() == null) {
                r.all.remove(c);
            } else {
                // an owner's set goes away with its last connection: no map growing with every user ever seen
                for (String owner : owners(s)) {
                    r.byOwner.computeIfPresent(owner, (k, set) -> {
                        set.remove(c);
                        return set.isEmpty() ? null : set;
                    });
                }
            }
        }
        // entries go away at zero: no map growing with every user or address ever seen
        if (c.user != null) {
            perUser.computeIfPresent(c.user, (k, n) -> n <= 1 ? null : n - 1);
        }
        if (c.address != null) {
            perAddress.computeIfPresent(c.address, (k, n) -> n <= 1 ? null : n - 1);
        }
        perExperiment.get(c.slug).addAndGet(-c.subscriptions.size());
        if (reason != null) {
            Counter.builder("labs.realtime.disconnects").description("Realtime connections ended by the server").tag("reason", reason)
                    .register(meters).increment();
            if (reason.equals("slow-consumer")) {
                Counter.builder("labs.realtime.events.dropped").tag("reason", reason).register(meters).increment(Math.max(1, droppedEvents));
            }
            LOG.debugf("Realtime connection %d on %s ended: %s", c.id, c.slug, reason);
        }
    }

    // ---------------------------------------------------------------- revocation

    void onRegistryChanged(@Observes RegistryChanged ev) {
        ev.snapshot().activeList().forEach(e -> subscribers(e.slug()));
        for (Connection c : connections) {
            recheck(c, ev.snapshot(), c.identity);
        }
    }

    private void recheck(Connection c, RegistrySnapshot snap, SecurityIdentity who) {
        try {
            List<Subscription> now = authorize(snap, c.slug, c.subscriptions.stream().map(Subscription::spec).toList(), who);
            for (int i = 0; i < now.size(); i++) {
                Subscription was = c.subscriptions.get(i);
                if (!now.get(i).key().equals(was.key()) || !java.util.Objects.equals(now.get(i).ownerOnly(), was.ownerOnly())) {
                    c.end("changed", Failure.conflict("Subscription '" + was.id() + "' now reads differently; resubscribe"));
                    return;
                }
            }
            c.identity = who;
        } catch (Failure p) {
            c.end(p.kind() == Failure.Kind.UNAUTHENTICATED ? "unauthorized" : p.kind() == Failure.Kind.NOT_FOUND ? "gone" : "forbidden", p);
        }
    }

    /** Re-authenticates each connection's token (the same provider a request goes through), then re-checks access. */
    void revalidateAll(String why) {
        RegistrySnapshot snap = registry.snapshot();
        for (Connection c : connections) {
            if (c.token == null) {
                continue;
            }
            identities.authenticate(new LabsTokenRequest(c.token, c.tokenSource, "cookie".equals(c.tokenSource))).subscribe().with(
                    who -> recheck(c, snap, who),
                    err -> c.end("unauthorized", Failure.unauthenticated("The session ended (" + why + "); log in again")));
        }
    }

    int open() {
        return connections.size();
    }
}
