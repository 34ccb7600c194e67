package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable view of every registered experiment. A reload builds a whole new snapshot and swaps it in at once,
 * so a request never sees a half-built registry.
 *
 * @param experiments valid experiments of every status, by slug (sorted)
 * @param invalid     configs that failed validation, with their errors, by slug
 */
public record RegistrySnapshot(long generation, Instant loadedAt, SortedMap<String, Experiment> experiments,
        Map<String, List<FieldError>> invalid) {

    public static final RegistrySnapshot EMPTY = new RegistrySnapshot(0, Instant.EPOCH, new TreeMap<>(), Map.of());

    public RegistrySnapshot {
        experiments = Collections.unmodifiableSortedMap(new TreeMap<>(experiments));
        invalid = Map.copyOf(invalid);
    }

    public Optional<Experiment> find(String slug) {
        return Optional.ofNullable(experiments.get(slug));
    }

    /** Only active experiments are served. */
    public Optional<Experiment> active(String slug) {
        return find(slug).filter(Experiment::isActive);
    }

    public List<Experiment> activeList() {
        return experiments.values().stream().filter(Experiment::isActive).toList();
    }
}
