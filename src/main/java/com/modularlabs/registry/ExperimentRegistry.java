package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import com.modularlabs.common.Workers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * The live set of experiments (seed item 4). A reload reads the configs as a stream, builds every experiment in
 * parallel as Mutiny Unis with bounded concurrency (validation, compiled schemas, folder checks on worker
 * threads), then swaps a new immutable {@link RegistrySnapshot} in one step and fires {@link RegistryChanged}.
 */
@ApplicationScoped
public class ExperimentRegistry {
    private static final Logger LOG = Logger.getLogger(ExperimentRegistry.class);
    private static final List<String> STATUSES = List.of("active", "draft", "archived", "inactive");

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ManifestParser parser;
    @Inject
    ManifestValidator validator;
    @Inject
    RootResolver roots;
    @Inject
    IndexManager indexes;
    @Inject
    SeedDataLoader seedData;
    @Inject
    RegistryConfig config;
    @Inject
    Event<RegistryChanged> changed;

    private final AtomicReference<RegistrySnapshot> current = new AtomicReference<>(RegistrySnapshot.EMPTY);
    private final AtomicLong generations = new AtomicLong();
    private volatile boolean loaded;
    private Timer reloadTimer;

    /** Outcome of building one config: an experiment or its errors. */
    private record Built(String slug, Experiment experiment, List<FieldError> errors) {
    }

    @Inject
    void metrics(MeterRegistry registry) {
        reloadTimer = Timer.builder("labs.registry.reload").description("Full registry reloads").register(registry);
        for (String s : STATUSES) {
            Gauge.builder("labs.experiments", current, c -> c.get().experiments().values().stream().filter(e -> e.status().equals(s)).count())
                    .tag("status", s).description("Registered experiments by status").register(registry);
        }
        Gauge.builder("labs.experiments", current, c -> c.get().invalid().size()).tag("status", "invalid").register(registry);
    }

    /** The current snapshot; never null, never half-built. */
    public RegistrySnapshot snapshot() {
        return current.get();
    }

    public boolean isLoaded() {
        return loaded;
    }

    /** Rebuilds the whole registry from experiments_config. */
    public Uni<RegistrySnapshot> reload() {
        long start = System.nanoTime();
        return configs.streamConfigs()
                .onItem().transformToUni(this::build).merge(config.concurrency())
                .collect().asList()
                .map(built -> {
                    TreeMap<String, Experiment> exps = new TreeMap<>();
                    Map<String, List<FieldError>> invalid = new HashMap<>();
                    for (Built b : built) {
                        if (b.experiment() != null) {
                            exps.put(b.slug(), b.experiment());
                        } else {
                            invalid.put(b.slug(), b.errors());
                        }
                    }
                    collisions(exps.values()).forEach((slug, errors) -> {
                        exps.remove(slug);
                        invalid.put(slug, errors);
                        LOG.errorf("Experiment %s is not served: %s", slug, errors);
                    });
                    validator.forgetSeeded(); // whatever the seed vouched for and this load did not read
                    RegistrySnapshot snap = new RegistrySnapshot(generations.incrementAndGet(), Instant.now(), exps, invalid);
                    current.set(snap);
                    loaded = true;
                    reloadTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                    LOG.infof("Registry loaded: %d experiments (%d active), %d invalid, in %d ms", exps.size(),
                            snap.activeList().size(), invalid.size(), (System.nanoTime() - start) / 1_000_000);
                    afterSwap(snap, exps.values());
                    return snap;
                });
    }

    /** Re-reads one experiment (after an admin change) and swaps a snapshot with just that entry replaced. */
    public Uni<RegistrySnapshot> reload(String slug) {
        return configs.findBySlug(slug)
                .chain(doc -> doc == null ? Uni.createFrom().item(new Built(slug, null, null)) : build(doc))
                .map(b -> {
                    RegistrySnapshot snap = current.updateAndGet(old -> {
                        TreeMap<String, Experiment> exps = new TreeMap<>(old.experiments());
                        Map<String, List<FieldError>> invalid = new HashMap<>(old.invalid());
                        exps.remove(slug);
                        invalid.remove(slug);
                        List<FieldError> clash = b.experiment() == null ? List.of() : clashes(b.experiment(), exps.values());
                        if (b.experiment() != null && clash.isEmpty()) {
                            exps.put(slug, b.experiment());
                        } else if (b.experiment() != null) {
                            invalid.put(slug, clash); // the experiment already serving that collection keeps it
                        } else if (b.errors() != null) {
                            invalid.put(slug, b.errors());
                        }
                        return new RegistrySnapshot(generations.incrementAndGet(), Instant.now(), exps, invalid);
                    });
                    afterSwap(snap, b.experiment() == null ? List.of() : List.of(b.experiment()));
                    return snap;
                });
    }

    private void afterSwap(RegistrySnapshot snap, Iterable<Experiment> touched) {
        List<Experiment> active = new java.util.ArrayList<>();
        for (Experiment e : touched) {
            if (e.isActive()) {
                indexes.ensure(e);
                active.add(e);
            }
        }
        seedData.loadOnce(active); // all their markers in one write
        changed.fire(new RegistryChanged(snap));
    }

    /**
     * Defence in depth behind the entry points' claims (registry.CollectionClaims): when two configs store a
     * collection under the same physical name (written before claims existed, or straight into the database),
     * only the older one (created_at, then slug) is served. Returns the others with their errors.
     */
    static Map<String, List<FieldError>> collisions(java.util.Collection<Experiment> all) {
        List<Experiment> ordered = all.stream().sorted(java.util.Comparator
                .comparing((Experiment e) -> e.config().get("created_at") instanceof java.util.Date d ? d : new java.util.Date(Long.MAX_VALUE))
                .thenComparing(Experiment::slug)).toList();
        Map<String, List<FieldError>> losers = new TreeMap<>();
        Map<String, String> owners = new HashMap<>(); // physical name -> slug serving it
        for (Experiment e : ordered) {
            List<FieldError> clash = new java.util.ArrayList<>();
            for (CollectionSpec c : e.collections().values()) {
                String owner = owners.get(c.physicalName());
                if (owner != null) {
                    clash.add(new FieldError("$.collections." + c.name(), CollectionClaims.message(c.physicalName(), owner)));
                }
            }
            if (clash.isEmpty()) {
                e.collections().values().forEach(c -> owners.put(c.physicalName(), e.slug()));
            } else {
                losers.put(e.slug(), clash);
            }
        }
        return losers;
    }

    /** The collections of {@code e} whose physical name one of {@code others} already uses. */
    static List<FieldError> clashes(Experiment e, java.util.Collection<Experiment> others) {
        List<FieldError> errors = new java.util.ArrayList<>();
        for (CollectionSpec c : e.collections().values()) {
            for (Experiment o : others) {
                if (!o.slug().equals(e.slug()) && o.collections().values().stream().anyMatch(x -> x.physicalName().equals(c.physicalName()))) {
                    errors.add(new FieldError("$.collections." + c.name(), CollectionClaims.message(c.physicalName(), o.slug())));
                }
            }
        }
        return errors;
    }

    private Uni<Built> build(Document cfg) {
        String slug = cfg.getString("slug");
        if (slug == null) {
            return Uni.createFrom().item(new Built("(no slug: " + cfg.get("_id") + ")", null,
                    List.of(new FieldError("$.slug", "config document has no slug"))));
        }
        if (!ManifestValidator.isValidSlug(slug)) { // before any folder is resolved from it
            return Uni.createFrom().item(new Built(slug, null,
                    List.of(new FieldError("$.slug", "slug must match " + ManifestValidator.SLUG.pattern()))));
        }
        return roots.resolve(slug, cfg)
                .chain(root -> Workers.run(() -> {
                    try {
                        return new Built(slug, parser.parse(slug, cfg, root), List.of());
                    } catch (ManifestParser.InvalidManifest e) {
                        LOG.warnf("Experiment %s has an invalid config and is not served: %s", slug, e.errors);
                        return new Built(slug, null, e.errors);
                    }
                }))
                .onFailure().recoverWithItem(err -> {
                    LOG.warnf(err, "Experiment %s could not be loaded", slug);
                    return new Built(slug, null, List.of(new FieldError("$", "could not be loaded: " + err.getMessage())));
                });
    }
}
