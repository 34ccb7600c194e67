package com.modularlabs.registry;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.IndexContributor;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's own indexes (seed item 1c), created in parallel at startup. Other features contribute theirs by
 * implementing {@link IndexContributor} (users.email unique comes from auth's UserStore, export_logs.expires_at from
 * the export service).
 */
@ApplicationScoped
public class CoreIndexes {
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    Instance<IndexContributor> contributors;

    public Uni<Void> ensure() {
        List<Uni<Void>> steps = new ArrayList<>();
        steps.add(configs.ensureIndexes());
        steps.add(ExperimentSummary.mongoDatabase().getCollection(EngineCollections.EXPORT_LOGS)
                .createIndexes(List.of(new IndexModel(Indexes.compoundIndex(Indexes.ascending("slug_id"), Indexes.descending("created_at")),
                        new IndexOptions().name("slug_created")))).replaceWithVoid());
        contributors.forEach(c -> steps.add(c.ensureIndexes()));
        return RegistryStartup.all(steps);
    }
}
