package com.modularlabs.registry;

import com.modularlabs.store.EngineCollections;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.modularlabs.store.Fields;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * All access to {@code experiments_config}: a reactive Panache repository whose typed view is the projection
 * record {@link ExperimentSummary}; the full configs (g.nome's free-form keys) are Documents of the same collection.
 * The indexes below serve its queries: slug lookups and claims ({@code slug_unique}), the public list's keyset
 * page on active experiments ({@code status_slug}).
 */
@ApplicationScoped
public class ExperimentConfigRepository implements ReactivePanacheMongoRepositoryBase<ExperimentSummary, ObjectId> {
    public static final String COLLECTION = EngineCollections.EXPERIMENTS_CONFIG;
    /** Cursor batch size for streaming reads (the embedded store answers getMore with everything left otherwise). */
    static final int BATCH = 200;
    /** Parts of a large insertNew written at once. */
    static final int WRITERS = 2;

    public ReactiveMongoCollection<Document> raw() {
        return mongoCollection().withDocumentClass(Document.class);
    }

    public Uni<Void> ensureIndexes() {
        return raw().createIndexes(List.of(
                new IndexModel(Indexes.ascending("slug"), new IndexOptions().unique(true).name("slug_unique")),
                new IndexModel(Indexes.ascending("status", "slug"), new IndexOptions().name("status_slug"))))
                .replaceWithVoid();
    }

    /** Every config, streamed with a bounded batch size. */
    public Multi<Document> streamConfigs() {
        return raw().find(new Document(), new FindOptions().batchSize(BATCH));
    }

    public Uni<Document> findBySlug(String slug) {
        return raw().find(Filters.eq("slug", slug), new FindOptions().limit(1)).collect().first();
    }

    /** Which of these slugs exist: ONE query, projected to the slug only. */
    public Uni<Set<String>> existingSlugs(Collection<String> slugs) {
        return raw().find(Filters.in("slug", slugs),
                        new FindOptions().projection(Projections.fields(Projections.include("slug"), Projections.excludeId()))
                                .batchSize(Math.max(BATCH, slugs.size())))
                .map(d -> d.getString("slug"))
                .collect().in(HashSet::new, Set::add);
    }

    /**
     * Unordered insertMany, in at most {@link #WRITERS} parts written at once (a store decodes each part on its own
     * connection; one part per 500 documents). A duplicate slug (another replica seeding the same folder at the same
     * moment) is not an error: that experiment exists, which is all we wanted. Returns the number inserted.
     */
    public Uni<Integer> insertNew(List<Document> docs) {
        if (docs.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        int parts = Math.min(WRITERS, (docs.size() + 499) / 500);
        List<Uni<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            writes.add(insertPart(docs.subList(i * docs.size() / parts, (i + 1) * docs.size() / parts)));
        }
        return Uni.join().all(writes).andFailFast().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    private Uni<Integer> insertPart(List<Document> docs) {
        return raw().insertMany(docs, new InsertManyOptions().ordered(false))
                .map(r -> r.getInsertedIds().size())
                .onFailure(MongoBulkWriteException.class).recoverWithItem(e -> {
                    MongoBulkWriteException b = (MongoBulkWriteException) e;
                    boolean onlyDuplicates = b.getWriteErrors().stream().allMatch(w -> w.getCode() == 11000);
                    if (!onlyDuplicates) {
                        throw b;
                    }
                    return b.getWriteResult().getInsertedCount();
                });
    }

    /** Active experiments for the public list: projection, keyset paging on slug, served by {status:1, slug:1}. */
    public Uni<List<ExperimentSummary>> activePage(String after, int limit) {
        Bson filter = after == null ? Filters.eq("status", Experiment.ACTIVE)
                : Filters.and(Filters.eq("status", Experiment.ACTIVE), Filters.gt("slug", after));
        return mongoCollection().find(filter, new FindOptions().projection(Fields.of(ExperimentSummary.class))
                        .sort(Sorts.ascending("slug")).limit(limit).batchSize(limit))
                .collect().asList();
    }
}
