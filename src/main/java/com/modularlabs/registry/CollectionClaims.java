package com.modularlabs.registry;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.store.EngineCollections;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.quarkus.mongodb.FindOptions;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.MongoBulkWriteException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * One owner per physical collection name. {@code <slug>_<coll>} is ambiguous (experiment {@code a} with
 * {@code b_c} and {@code a_b} with {@code c} both give {@code a_b_c}), so every entry point that registers or
 * changes a manifest (folder seed, bundle upload and import, admin edit) claims its names first:
 * <ol>
 * <li>the configs that could produce the same name (slugs that are a prefix of it at an underscore: one indexed
 * query) are checked, which covers experiments registered before claims existed;</li>
 * <li>each name is inserted into {@code labs_collection_claims} with the name as _id. The unique _id settles two
 * concurrent uploads on any replica: exactly one insert wins, the other gets a duplicate key and a 409.</li>
 * </ol>
 * Claims are kept when a manifest later drops a collection (its documents are still in that collection); they
 * are released only by the operation that made them when it fails.
 */
@ApplicationScoped
public class CollectionClaims {
    private static final Logger LOG = Logger.getLogger(CollectionClaims.class);

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    CollectionClaimRepository claims;

    /**
     * Claims every physical name of {@code manifest} for {@code slug}. Fails with 409 problem+json naming each
     * collection another experiment uses (nothing stays claimed then). Returns the names this call newly claimed,
     * for {@link #release} if the caller's later steps fail.
     */
    public Uni<List<String>> claim(String slug, Document manifest) {
        Map<String, String> paths = new LinkedHashMap<>(); // physical -> JSON path of the declaration
        ManifestValidator.collectionPaths(manifest).forEach((coll, path) -> paths.put(EngineCollections.physical(slug, coll), path));
        if (paths.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return conflictsWithConfigs(slug, paths).chain(found -> {
            if (!found.isEmpty()) {
                return Uni.createFrom().failure(conflict(slug, found));
            }
            List<String> mine = new ArrayList<>();
            List<FieldError> taken = new ArrayList<>();
            return Multi.createFrom().iterable(paths.entrySet())
                    .onItem().transformToUniAndConcatenate(e -> insert(slug, e.getKey()).invoke(owner -> {
                        if (owner.isEmpty()) {
                            mine.add(e.getKey());
                        } else if (!owner.equals(slug)) {
                            taken.add(new FieldError(e.getValue(), message(e.getKey(), owner)));
                        }
                    }))
                    .collect().last()
                    .chain(() -> taken.isEmpty() ? Uni.createFrom().item(List.copyOf(mine))
                            : release(slug, mine).chain(() -> Uni.createFrom().failure(conflict(slug, taken))));
        });
    }

    /**
     * {@link #claim} for many experiments at once (the folder seed), in a fixed number of round trips instead of
     * two per experiment: one query for the configs that could own a name, one for the existing claims (both at
     * once), then {@link ClaimPlan#commit} inserts the new claims in one unordered insertMany. {@code manifests} in
     * priority order (of two that want the same name the first wins, as with one claim after another).
     */
    public Uni<ClaimPlan> plan(Map<String, Document> manifests) {
        Map<String, Map<String, String>> wanted = new LinkedHashMap<>(); // slug -> physical -> JSON path
        Set<String> prefixes = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        manifests.forEach((slug, manifest) -> {
            Map<String, String> paths = new LinkedHashMap<>();
            ManifestValidator.collectionPaths(manifest).forEach((coll, path) -> paths.put(EngineCollections.physical(slug, coll), path));
            wanted.put(slug, paths);
            names.addAll(paths.keySet());
            for (String physical : paths.keySet()) {
                for (int i = physical.indexOf('_'); i > 0; i = physical.indexOf('_', i + 1)) {
                    prefixes.add(physical.substring(0, i));
                }
            }
        });
        if (names.isEmpty()) {
            Map<String, List<FieldError>> none = new LinkedHashMap<>();
            manifests.keySet().forEach(s -> none.put(s, List.of()));
            return Uni.createFrom().item(new ClaimPlan(none, List.of(), Map.of(), Map.of()));
        }
        Uni<Map<String, String>> configOwners = prefixes.isEmpty() ? Uni.createFrom().item(Map.of())
                : configs.raw().find(Filters.in("slug", prefixes), new FindOptions()
                                .projection(Projections.include("slug", "collections", "managed_indexes")).batchSize(prefixes.size()))
                        .collect().asList().map(others -> {
                            Map<String, String> owners = new HashMap<>(); // physical -> registered slug
                            for (Document other : others) {
                                String owner = other.getString("slug");
                                ManifestValidator.collectionPaths(other).keySet().forEach(c -> owners.putIfAbsent(EngineCollections.physical(owner, c), owner));
                            }
                            return owners;
                        });
        return Uni.combine().all().unis(configOwners, owners(names)).asTuple().map(t -> {
            Map<String, String> registered = t.getItem1();
            Map<String, String> taken = new HashMap<>(t.getItem2()); // physical -> claim owner (db, then this batch)
            Map<String, List<FieldError>> result = new LinkedHashMap<>();
            Map<String, List<String>> fresh = new LinkedHashMap<>(); // slug -> names to insert
            wanted.forEach((slug, paths) -> {
                List<FieldError> errors = new ArrayList<>();
                List<String> mine = new ArrayList<>();
                paths.forEach((physical, path) -> {
                    String cfg = registered.get(physical);
                    String claimed = taken.get(physical);
                    if (cfg != null && !cfg.equals(slug)) {
                        errors.add(new FieldError(path, message(physical, cfg)));
                    } else if (claimed != null && !claimed.equals(slug)) {
                        errors.add(new FieldError(path, message(physical, claimed)));
                    } else if (claimed == null) {
                        mine.add(physical);
                    }
                });
                result.put(slug, errors);
                if (errors.isEmpty()) {
                    mine.forEach(n -> taken.put(n, slug));
                    fresh.put(slug, mine);
                }
            });
            List<Document> docs = new ArrayList<>();
            Date now = new Date();
            fresh.forEach((slug, mine) -> mine.forEach(n -> docs.add(new Document("_id", n).append("slug", slug).append("claimed_at", now))));
            return new ClaimPlan(result, docs, fresh, wanted);
        });
    }

    /**
     * What {@link #plan} decided: {@code conflicts} per slug (empty: may register), and the claims still to insert.
     */
    public final class ClaimPlan {
        private final Map<String, List<FieldError>> conflicts;
        private final List<Document> docs;
        private final Map<String, List<String>> fresh;
        private final Map<String, Map<String, String>> wanted;

        ClaimPlan(Map<String, List<FieldError>> conflicts, List<Document> docs, Map<String, List<String>> fresh,
                Map<String, Map<String, String>> wanted) {
            this.conflicts = conflicts;
            this.docs = docs;
            this.fresh = fresh;
            this.wanted = wanted;
        }

        public Map<String, List<FieldError>> conflicts() {
            return conflicts;
        }

        /**
         * Inserts the planned claims (one unordered insertMany). Returns the slugs that lost a name to another
         * replica meanwhile (a duplicate key), with their errors; their other new names are given back.
         */
        public Uni<Map<String, List<FieldError>>> commit() {
            if (docs.isEmpty()) {
                return Uni.createFrom().item(Map.of());
            }
            Map<String, List<FieldError>> lost = new LinkedHashMap<>();
            return claimDocs().insertMany(docs, new InsertManyOptions().ordered(false)).replaceWithVoid()
                    .onFailure(MongoBulkWriteException.class).recoverWithUni(e -> lostRaces((MongoBulkWriteException) e, docs, fresh, wanted, lost))
                    .replaceWith(lost);
        }
    }

    /** Another replica claimed some names between our read and our insert: those slugs lose, their other names go back. */
    private Uni<Void> lostRaces(MongoBulkWriteException e, List<Document> docs, Map<String, List<String>> fresh,
            Map<String, Map<String, String>> wanted, Map<String, List<FieldError>> result) {
        if (!e.getWriteErrors().stream().allMatch(w -> w.getCategory() == ErrorCategory.DUPLICATE_KEY)) {
            return Uni.createFrom().failure(e);
        }
        Set<String> lost = new LinkedHashSet<>();
        e.getWriteErrors().forEach(w -> lost.add(docs.get(w.getIndex()).getString("_id")));
        return owners(lost).chain(owners -> {
            List<Uni<Void>> releases = new ArrayList<>();
            fresh.forEach((slug, mine) -> {
                List<FieldError> errors = new ArrayList<>();
                mine.stream().filter(lost::contains).forEach(n -> {
                    String owner = owners.getOrDefault(n, "?");
                    if (!owner.equals(slug)) {
                        errors.add(new FieldError(wanted.get(slug).get(n), message(n, owner)));
                    }
                });
                if (!errors.isEmpty()) {
                    result.put(slug, errors);
                    releases.add(release(slug, mine.stream().filter(n -> !lost.contains(n)).toList()));
                }
            });
            return RegistryStartup.all(releases);
        });
    }

    /** Current claim owners of these names (physical -> slug). */
    private Uni<Map<String, String>> owners(Set<String> names) {
        return claimDocs().find(Filters.in("_id", names), new FindOptions().batchSize(Math.max(1, names.size())))
                .collect().asMap(d -> d.getString("_id"), d -> d.getString("slug"));
    }

    /**
     * Gives back names this slug claimed (only its own), except those its stored config declares: when two edits of
     * one experiment race, the loser may have inserted a claim the winner's config now relies on.
     */
    public Uni<Void> release(String slug, List<String> names) {
        if (names.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return configs.findBySlug(slug).chain(current -> {
                    Set<String> unused = new LinkedHashSet<>(names);
                    if (current != null) {
                        ManifestValidator.collectionPaths(current).keySet().forEach(c -> unused.remove(EngineCollections.physical(slug, c)));
                    }
                    return unused.isEmpty() ? Uni.createFrom().voidItem()
                            : claims.delete(Filters.and(Filters.in("_id", unused), Filters.eq("slug", slug))).replaceWithVoid();
                })
                .onFailure().invoke(e -> LOG.warnf("Could not release collection claims %s of %s: %s", names, slug, e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** "" when inserted now (Mutiny streams carry no nulls); otherwise the current owner's slug. */
    private Uni<String> insert(String slug, String physical) {
        return insert(slug, physical, true);
    }

    /** A claim released between our duplicate key and our read (a racing edit that failed) is tried once more. */
    private Uni<String> insert(String slug, String physical, boolean retry) {
        return claims.persist(new CollectionClaimRepository.Claim(physical, slug, new Date()))
                .map(r -> "")
                .onFailure(CollectionClaims::duplicate).recoverWithUni(() -> claims.findById(physical)
                        .chain(c -> c != null ? Uni.createFrom().item(c.slug()) : retry ? insert(slug, physical, false) : Uni.createFrom().item("?")));
    }

    private static boolean duplicate(Throwable t) {
        return t instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
    }

    /** Registered configs of other slugs that declare one of these physical names. */
    private Uni<List<FieldError>> conflictsWithConfigs(String slug, Map<String, String> paths) {
        Set<String> candidates = new LinkedHashSet<>();
        for (String physical : paths.keySet()) {
            for (int i = physical.indexOf('_'); i > 0; i = physical.indexOf('_', i + 1)) {
                String prefix = physical.substring(0, i);
                if (!prefix.equals(slug)) {
                    candidates.add(prefix);
                }
            }
        }
        if (candidates.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return configs.raw().find(Filters.in("slug", candidates), new FindOptions()
                        .projection(Projections.include("slug", "collections", "managed_indexes")).batchSize(candidates.size()))
                .collect().asList()
                .map(others -> {
                    List<FieldError> found = new ArrayList<>();
                    for (Document other : others) {
                        String owner = other.getString("slug");
                        for (String coll : ManifestValidator.collectionPaths(other).keySet()) {
                            String path = paths.get(EngineCollections.physical(owner, coll));
                            if (path != null) {
                                found.add(new FieldError(path, message(EngineCollections.physical(owner, coll), owner)));
                            }
                        }
                    }
                    return found;
                });
    }

    static String message(String physical, String owner) {
        return "would be stored in collection '" + physical + "', which experiment '" + owner + "' already uses";
    }

    static Failure conflict(String slug, List<FieldError> errors) {
        return Failure.conflict("Experiment '" + slug + "' declares collections whose stored names "
                + "another experiment already uses: " + errors.stream().map(FieldError::path).toList()
                + " (names are <slug>_<collection>; rename the collection or the experiment)", List.copyOf(errors));
    }

    /** The claims as plain documents, for the batch insert and lookups by name. */
    ReactiveMongoCollection<Document> claimDocs() {
        return claims.mongoCollection().withDocumentClass(Document.class);
    }
}
