package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.Fields;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * g.nome's {@code casbin_rule}: role grants are ptype "g" rows (v0 = user e-mail, v1 = role). Index {ptype, v0}:
 * every query here is "the g rows of this user".
 */
@ApplicationScoped
public class CasbinRuleRepository implements ReactivePanacheMongoRepositoryBase<CasbinRuleRepository.Rule, ObjectId> {
    @MongoEntity(collection = EngineCollections.CASBIN_RULE)
    public record Rule(String ptype, String v0, String v1) {
    }

    /** The granted role of one "g" row: all an identity check reads. */
    public record Grant(String v1) {
    }

    public ReactiveMongoCollection<Document> docs() {
        return mongoCollection().withDocumentClass(Document.class);
    }

    Uni<Void> ensureIndexes() {
        return mongoCollection().createIndexes(List.of(new IndexModel(Indexes.ascending("ptype", "v0"), new IndexOptions().name("ptype_v0"))))
                .replaceWithVoid();
    }

    /** The roles granted to {@code email} by "g" rows, as stored (not normalized). */
    Uni<List<Grant>> grantsOf(String email) {
        return mongoCollection().withDocumentClass(Grant.class)
                .find(Filters.and(Filters.eq("ptype", "g"), Filters.eq("v0", email)), new FindOptions().projection(Fields.of(Grant.class)).batchSize(1000))
                .collect().asList();
    }
}
