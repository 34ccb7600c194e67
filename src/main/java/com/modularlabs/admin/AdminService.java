package com.modularlabs.admin;

import com.modularlabs.bundle.BundleService;
import com.modularlabs.bundle.ExportService;
import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.CollectionClaims;
import com.modularlabs.registry.ConfigSecrets;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.registry.RegistryConfig;
import com.modularlabs.registry.SeedService;
import com.modularlabs.store.ChangeFeed;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.quarkus.mongodb.FindOptions;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The admin operations on experiment configs. Every change writes the database first (with a version check), then
 * reloads this replica's registry for that slug and touches the change feed so the others reload too.
 */
@ApplicationScoped
public class AdminService {
    public static final List<String> STATUSES = List.of("active", "inactive", "draft", "archived");
    static final int MAX_PAGE = 500;

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;
    @Inject
    ChangeFeed feed;
    @Inject
    ManifestValidator validator;
    @Inject
    SeedService seeds;
    @Inject
    RegistryConfig registryConfig;
    @Inject
    ExportService exports;
    @Inject
    CollectionClaims claims;

    public static String requireSlug(String slug) {
        if (!ManifestValidator.isValidSlug(slug)) {
            throw Failure.notFound("No experiment '" + slug + "'");
        }
        return slug;
    }

    Path experimentsDir() {
        return Path.of(registryConfig.experimentsDir()).toAbsolutePath().normalize();
    }

    /** Folders with a manifest.json in experiments/ (blocking). */
    List<String> folderSlugs() throws IOException {
        Workers.assertNotOnEventLoop("Listing experiment folders");
        Path dir = experimentsDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("manifest.json")))
                    .map(p -> p.getFileName().toString()).filter(ManifestValidator::isValidSlug).sorted().toList();
        }
    }

    /** Configured / discovered / orphaned, one page of configs (keyset on slug), with export counts of that page. */
    public Uni<Document> list(String after, int limit) {
        int lim = Math.max(1, Math.min(MAX_PAGE, limit));
        Bson filter = after == null || after.isEmpty() ? new Document() : Filters.gt("slug", after);
        Uni<List<Document>> page = configs.raw().find(filter, new FindOptions()
                        .projection(Projections.include("slug", "name", "description", "status", "auth_required", "version",
                                "bundle.sha256", "bundle.size", "updated_at"))
                        .sort(Sorts.ascending("slug")).limit(lim + 1).batchSize(lim + 1))
                .collect().asList();
        Uni<List<String>> folders = Workers.run(this::folderSlugs);
        return Uni.combine().all().unis(page, folders).asTuple().chain(t -> {
            List<Document> docs = new ArrayList<>(t.getItem1());
            String next = null;
            if (docs.size() > lim) {
                docs = docs.subList(0, lim);
                next = docs.get(lim - 1).getString("slug");
            }
            Set<String> onDisk = new HashSet<>(t.getItem2());
            List<String> pageSlugs = docs.stream().map(d -> d.getString("slug")).toList();
            String nextCursor = next;
            List<Document> pageDocs = docs;
            Uni<Set<String>> configured = t.getItem2().isEmpty() || (after != null && !after.isEmpty())
                    ? Uni.createFrom().item(Set.of()) : configs.existingSlugs(t.getItem2());
            return Uni.combine().all().unis(Workers.run(() -> exports.counts(pageSlugs)), configured).asTuple().map(t2 -> {
                Map<String, Integer> counts = t2.getItem1();
                List<Document> conf = new ArrayList<>();
                List<Document> orphaned = new ArrayList<>();
                for (Document d : pageDocs) {
                    String slug = d.getString("slug");
                    boolean folder = onDisk.contains(slug);
                    boolean bundle = d.get("bundle") != null;
                    d.remove("_id");
                    d.put("code_found", folder || bundle);
                    d.put("source", bundle ? "bundle" : folder ? "folder" : "none");
                    d.put("export_count", counts.getOrDefault(slug, 0));
                    d.put("served", registry.snapshot().find(slug).map(Experiment::isActive).orElse(false));
                    List<FieldError> errs = registry.snapshot().invalid().get(slug);
                    if (errs != null) {
                        d.put("errors", errors(errs));
                    }
                    (folder || bundle ? conf : orphaned).add(d);
                }
                List<Document> discovered = new ArrayList<>();
                if (after == null || after.isEmpty()) {
                    Map<String, List<FieldError>> invalid = seeds.lastReport().invalid();
                    for (String slug : t.getItem2()) {
                        if (!t2.getItem2().contains(slug)) {
                            Document d = new Document("slug", slug);
                            if (invalid.containsKey(slug)) {
                                d.put("errors", errors(invalid.get(slug)));
                            }
                            discovered.add(d);
                        }
                    }
                }
                return new Document("configured", conf).append("discovered", discovered).append("orphaned", orphaned)
                        .append("next", nextCursor);
            });
        });
    }

    static List<Document> errors(List<FieldError> errs) {
        return errs.stream().map(e -> new Document("path", e.path()).append("message", e.message())).toList();
    }

    public Uni<Document> get(String slug) {
        requireSlug(slug);
        return configs.findBySlug(slug).map(doc -> {
            if (doc == null) {
                throw Failure.notFound("No experiment '" + slug + "' in the database");
            }
            Document out = new Document("slug", slug).append("version", version(doc))
                    .append("status", doc.get("status"))
                    .append("manifest", ConfigSecrets.redact(BundleService.manifestOnly(doc)))
                    .append("bundle", doc.get("bundle"))
                    .append("created_at", doc.get("created_at")).append("updated_at", doc.get("updated_at"))
                    .append("served", registry.snapshot().find(slug).map(Experiment::isActive).orElse(false));
            List<FieldError> errs = registry.snapshot().invalid().get(slug);
            out.append("errors", errs == null ? List.of() : errors(errs));
            return out;
        });
    }

    static long version(Document doc) {
        return doc.get("version") instanceof Number n ? n.longValue() : 0L;
    }

    /** Parses an If-Match value: "3", W/"3" or 3. */
    static long parseIfMatch(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            throw Failure.preconditionRequired("Send If-Match with the config's current version (its ETag)");
        }
        String v = ifMatch.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        v = v.replace("\"", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw Failure.preconditionFailed("If-Match '" + ifMatch + "' is not a version of this config");
        }
    }

    /** The errors a replace with this manifest would give (the editor's check as you type); nothing is stored. */
    public List<FieldError> check(String slug, Document manifest) {
        Document candidate = BundleService.manifestOnly(manifest);
        candidate.putIfAbsent("slug", slug);
        return validator.validate(slug, candidate);
    }

    /** Full replace of the manifest (engine fields kept), atomic on the version. */
    public Uni<Document> replace(String slug, String ifMatch, Document manifest) {
        requireSlug(slug);
        long expected = parseIfMatch(ifMatch);
        Document candidate = BundleService.manifestOnly(manifest);
        candidate.putIfAbsent("slug", slug);
        return Workers.run(() -> validator.validate(slug, candidate)).chain(errs -> { // schema checks: a worker's job
            if (!errs.isEmpty()) {
                throw Failure.invalid("The manifest is invalid", errs);
            }
            return configs.findBySlug(slug);
        }).chain(old -> {
            if (old == null) {
                throw Failure.notFound("No experiment '" + slug + "' in the database");
            }
            long current = version(old);
            if (current != expected) {
                throw stale(slug, current);
            }
            // 409 when another experiment already uses a stored name; given back if the replace then fails
            return claims.claim(slug, candidate).chain(claimed -> swap(slug, candidate, old, current)
                    .onFailure().call(() -> claims.release(slug, claimed)));
        }).chain(v -> changed(slug).chain(() -> get(slug)));
    }

    /** Replaces the config document if its version is still the one read (412 otherwise). */
    private Uni<Long> swap(String slug, Document candidate, Document old, long current) {
        Document doc = ConfigSecrets.restore(candidate, old); // a redacted value saved back keeps the stored secret
        doc.put("_id", old.get("_id"));
        doc.putIfAbsent("status", old.get("status"));
        if (old.get("bundle") != null) {
            doc.put("bundle", old.get("bundle"));
        }
        doc.put("created_at", old.get("created_at"));
        doc.put("updated_at", new Date());
        doc.put("version", current + 1);
        return configs.raw().replaceOne(Filters.and(Filters.eq("slug", slug), Filters.eq("version", old.get("version"))), doc)
                .map(r -> {
                    if (r.getMatchedCount() == 0) {
                        throw stale(slug, -1);
                    }
                    return current + 1;
                });
    }

    private static Failure stale(String slug, long current) {
        Failure f = Failure.preconditionFailed("The config of '" + slug + "' changed"
                + (current >= 0 ? " (now version " + current + ")" : "") + "; reload it and apply your change again");
        return current >= 0 ? f.currentVersion(String.valueOf(current)) : f;
    }

    public Uni<Document> setStatus(String slug, String status) {
        requireSlug(slug);
        if (status == null || !STATUSES.contains(status)) {
            return Uni.createFrom().failure(Failure.invalid("Unknown status",
                    List.of(new FieldError("$.status", "must be one of " + STATUSES))));
        }
        return configs.raw().updateOne(Filters.eq("slug", slug), Updates.combine(Updates.set("status", status),
                        Updates.set("updated_at", new Date()), Updates.inc("version", 1L)))
                .chain(r -> {
                    if (r.getMatchedCount() == 0) {
                        throw Failure.notFound("No experiment '" + slug + "' in the database");
                    }
                    return changed(slug);
                }).chain(() -> get(slug));
    }

    public Uni<Document> reload(String slug) {
        requireSlug(slug);
        return changed(slug).chain(() -> get(slug));
    }

    /**
     * How the folder's manifest (experiments/&lt;slug&gt;/manifest.json) differs from the configuration in the database,
     * which wins at startup: one entry per top-level key that differs (status aside, secrets redacted).
     */
    public Uni<Document> folderDiff(String slug) {
        requireSlug(slug);
        return Workers.run(() -> folderManifest(slug)).chain(folder -> configs.findBySlug(slug).map(doc -> {
            if (doc == null) {
                throw Failure.notFound("No experiment '" + slug + "' in the database");
            }
            Document out = new Document("slug", slug).append("folder", folder != null).append("version", version(doc));
            List<Document> changes = new ArrayList<>();
            if (folder != null) {
                Document db = BundleService.manifestOnly(doc);
                Set<String> keys = new TreeSet<>(db.keySet());
                keys.addAll(folder.keySet());
                keys.removeAll(List.of("slug", "status"));
                for (String k : keys) {
                    if (!Objects.equals(normal(db.get(k)), normal(folder.get(k)))) {
                        changes.add(new Document("key", k).append("database", ConfigSecrets.redact(new Document(k, db.get(k))).get(k))
                                .append("folder", ConfigSecrets.redact(new Document(k, folder.get(k))).get(k)));
                    }
                }
            }
            return out.append("differs", !changes.isEmpty()).append("changes", changes);
        }));
    }

    /** Replaces the database configuration by the folder's manifest (the status an admin set is kept). */
    public Uni<Document> adoptFolder(String slug, String ifMatch) {
        requireSlug(slug);
        return Workers.run(() -> folderManifest(slug)).chain(folder -> {
            if (folder == null) {
                throw Failure.notFound("No folder experiments/" + slug + " with a manifest.json");
            }
            folder.remove("status");
            return replace(slug, ifMatch, folder);
        });
    }

    /** experiments/&lt;slug&gt;/manifest.json, or null when there is none (blocking). */
    Document folderManifest(String slug) throws IOException {
        Path file = experimentsDir().resolve(slug).resolve("manifest.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Document.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (RuntimeException bad) {
            throw Failure.invalid("experiments/" + slug + "/manifest.json is not a JSON object",
                    List.of(new FieldError("$", bad.getMessage())));
        }
    }

    /** Numbers compare by value (a folder's 5 is the database's 5L), documents and lists element by element. */
    static Object normal(Object v) {
        if (v instanceof Number n) {
            return n instanceof Double || n instanceof Float ? (Object) n.doubleValue() : (Object) new BigDecimal(n.toString()).stripTrailingZeros();
        }
        if (v instanceof Document d) {
            Map<String, Object> m = new LinkedHashMap<>();
            d.forEach((k, x) -> m.put(k, normal(x)));
            return m;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(AdminService::normal).toList();
        }
        return v;
    }

    /** This replica reloads now; the others through the change feed. */
    Uni<Void> changed(String slug) {
        return registry.reload(slug).chain(() -> feed.touch(ExperimentConfigRepository.COLLECTION, slug));
    }
}
