package com.modularlabs.audit;

import com.modularlabs.store.EngineCollections;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.types.ObjectId;

/**
 * {@code labs_audit}. Entries are written and read as Documents: before/after hold whatever the audited resource
 * was. Indexes: a TTL on {@code at} (the retention), and {slug, at} and {actor, at} for the audit API's filters
 * (newest first by _id, which grows with at).
 */
@ApplicationScoped
public class AuditRepository implements ReactivePanacheMongoRepositoryBase<AuditRepository.Entry, ObjectId> {
    /** The fixed fields of an entry (plus target, before and after). */
    @MongoEntity(collection = EngineCollections.AUDIT)
    public record Entry(@BsonId ObjectId id, Date at, String actor, String method, String path, int status, String action, String slug) {
    }

    ReactiveMongoCollection<Document> docs() {
        return mongoCollection().withDocumentClass(Document.class);
    }

    Uni<Void> ensureIndexes(Duration retention) {
        return mongoCollection().createIndexes(List.of(
                new IndexModel(Indexes.ascending("at"), new IndexOptions().name("ttl").expireAfter(retention.toSeconds(), TimeUnit.SECONDS)),
                new IndexModel(Indexes.ascending("slug", "at"), new IndexOptions().name("slug_at")),
                new IndexModel(Indexes.ascending("actor", "at"), new IndexOptions().name("actor_at")))).replaceWithVoid();
    }
}
