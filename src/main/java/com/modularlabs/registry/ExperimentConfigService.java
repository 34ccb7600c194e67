package com.modularlabs.registry;

import com.modularlabs.common.Failure;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CacheResult;
import io.quarkus.mongodb.FindOptions;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Config lookups through a cache (seed items 3, 7, 11): one projected read per slug, then none until the registry
 * changes (every swap invalidates the cache) or the TTL (5 min) passes.
 */
@ApplicationScoped
public class ExperimentConfigService {
    static final String CACHE = "experiment-config";

    @Inject
    ExperimentConfigRepository configs;

    @CacheResult(cacheName = CACHE)
    public Uni<PublicExperiment> publicConfig(String slug) {
        return configs.raw().find(Filters.and(Filters.eq("slug", slug), Filters.eq("status", Experiment.ACTIVE)),
                        new FindOptions().limit(1).projection(Projections.include("slug", "name", "description", "status",
                                "auth_required", "data_scope", "collections", "managed_indexes", "queries")))
                .collect().first()
                .map(doc -> {
                    if (doc == null) {
                        throw Failure.notFound("No active experiment '" + slug + "'");
                    }
                    return toPublic(doc);
                });
    }

    static PublicExperiment toPublic(Document d) {
        String slug = d.getString("slug");
        boolean auth = Boolean.TRUE.equals(d.getBoolean("auth_required"));
        Map<String, Map<String, String>> colls = new LinkedHashMap<>();
        Document c = d.get("collections", new Document());
        c.forEach((name, v) -> colls.put(name, AccessDefaults.of((Document) v, auth).asMap()));
        d.get("managed_indexes", new Document()).keySet().forEach(name -> colls.putIfAbsent(name, AccessDefaults.of(null, auth).asMap()));
        List<String> scope = d.getList("data_scope", String.class, List.of("self")).stream()
                .map(s -> s.equals("self") ? slug : s).distinct().toList();
        return new PublicExperiment(slug, d.getString("name"), d.get("description", ""), d.getString("status"), auth, scope, colls,
                List.copyOf(d.get("queries", new Document()).keySet()), "/experiments/" + slug + "/");
    }

    @Inject
    @CacheName(CACHE)
    Cache cache;

    /** Any registry swap drops every cached config; non-blocking, since swaps happen on event loops too. */
    void onRegistryChange(@Observes RegistryChanged ev) {
        cache.invalidateAll().subscribe().with(x -> { });
    }
}
