package com.modularlabs.observability;

import com.modularlabs.store.StoreConfig;
import com.modularlabs.store.StoreOutage;
import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonValue;
import org.jboss.logging.Logger;

/**
 * Slow-command detection (contract section 7). Latency histograms per command and collection come from Quarkus'
 * own Micrometer Mongo listener (mongodb_driver_commands_seconds); this listener adds the slow counter and a WARN
 * line naming command, collection and duration, never document contents. Quarkus registers CommandListener beans
 * on every client.
 */
@ApplicationScoped
public class MongoCommandMetrics implements CommandListener {
    private static final Logger LOG = Logger.getLogger("labs.slow-query");

    private final long slowNanos;
    private final Counter slow;
    private final AtomicLong total = new AtomicLong();
    private final Map<Integer, String> collections = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> perCollection = new ConcurrentHashMap<>();

    /** Index builds are slow by nature (and run at startup): neither counted nor logged as slow commands. */
    static final Set<String> NOT_QUERIES = Set.of("createIndexes", "dropIndexes");

    private final StoreOutage outage;

    public MongoCommandMetrics(StoreConfig config, MeterRegistry registry, StoreOutage outage) {
        this.outage = outage;
        this.slowNanos = TimeUnit.MILLISECONDS.toNanos(config.slowQueryMs());
        this.slow = Counter.builder("labs.mongodb.slow.commands")
                .description("MongoDB commands slower than LABS_SLOW_QUERY_MS").register(registry);
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        total.incrementAndGet();
        BsonValue target = event.getCommand().get(event.getCommandName());
        if (target != null && target.isString()) {
            String coll = target.asString().getValue();
            collections.put(event.getRequestId(), coll);
            perCollection.computeIfAbsent(coll, c -> new AtomicLong()).incrementAndGet();
        }
    }

    @Override
    public void commandSucceeded(CommandSucceededEvent event) {
        outage.answered();
        finished(event.getRequestId(), event.getCommandName(), event.getElapsedTime(TimeUnit.NANOSECONDS), "ok");
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        finished(event.getRequestId(), event.getCommandName(), event.getElapsedTime(TimeUnit.NANOSECONDS), "failed");
    }

    private void finished(int requestId, String command, long nanos, String outcome) {
        String collection = collections.remove(requestId);
        if (nanos >= slowNanos && !NOT_QUERIES.contains(command)) {
            slow.increment();
            LOG.warnf("Slow MongoDB command: command=%s collection=%s duration_ms=%d outcome=%s",
                    command, collection == null ? "-" : collection, TimeUnit.NANOSECONDS.toMillis(nanos), outcome);
        }
    }

    /** Commands started since this process began; tests and the seeding benchmark read it. */
    public long commandCount() {
        return total.get();
    }

    /** Commands started on one collection (find, insert, update, aggregate, ...) since this process began. */
    public long commandCount(String collection) {
        AtomicLong n = perCollection.get(collection);
        return n == null ? 0 : n.get();
    }
}
