package com.modularlabs.admin;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.store.ChangeFeed;
import com.mongodb.client.model.Filters;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

/**
 * Cross-replica liveness of admin changes: every change to experiments_config (status, manifest save, upload,
 * import, reload request) reaches this replica through the {@link ChangeFeed} (change stream, or polling of the
 * sequence the writer bumped), and the registry reloads that one experiment (or everything when unknown), which
 * invalidates the caches through RegistryChanged.
 */
@ApplicationScoped
public class ConfigChangeListener {
    private static final Logger LOG = Logger.getLogger(ConfigChangeListener.class);

    @Inject
    ChangeFeed feed;
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentConfigRepository configs;

    void onStart(@Observes @Priority(200) StartupEvent ev) {
        feed.subscribe(ExperimentConfigRepository.COLLECTION, this::changed);
    }

    /** Changes arriving within this window are applied together (a bulk write becomes one reload, one swap). */
    static final Duration COALESCE = Duration.ofMillis(150);
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    void changed(String key) {
        pending.add(key == null ? ChangeFeed.ALL : key);
        if (scheduled.compareAndSet(false, true)) {
            Uni.createFrom().voidItem().onItem().delayIt().by(COALESCE).chain(this::flush)
                    .subscribe().with(x -> { }, e -> LOG.warnf("Reload after a config change failed: %s", e.getMessage()));
        }
    }

    private Uni<?> flush() {
        scheduled.set(false);
        List<String> keys = new ArrayList<>(pending);
        pending.removeAll(keys);
        if (keys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return keys.size() == 1 ? reloadFor(keys.get(0)) : registry.reload();
    }

    Uni<?> reloadFor(String key) {
        if (ChangeFeed.ALL.equals(key) || key == null) {
            return registry.reload();
        }
        if (ObjectId.isValid(key)) {
            return configs.raw().find(Filters.eq("_id", new ObjectId(key)), new FindOptions().limit(1)
                            .projection(new Document("slug", 1))).collect().first()
                    .chain(doc -> doc != null && doc.getString("slug") != null ? registry.reload(doc.getString("slug"))
                            : ManifestValidator.isValidSlug(key) && registry.snapshot().find(key).isPresent() ? registry.reload(key)
                            : registry.reload()); // deleted, or unknown: rebuild everything
        }
        return ManifestValidator.isValidSlug(key) ? registry.reload(key) : registry.reload();
    }
}
