package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.Fields;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.codecs.pojo.annotations.BsonProperty;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * The {@code users} collection (contract section 4). The typed view {@link Account} names g.nome's fields; an _id
 * is an ObjectId, or a string in some g.nome data, so reads that need it use Documents ({@link #docs()}). Index: e-mail, unique
 * (login, invites, role grants and registration all look users up by it).
 */
@ApplicationScoped
public class UserRepository implements ReactivePanacheMongoRepositoryBase<UserRepository.Account, ObjectId> {
    @MongoEntity(collection = EngineCollections.USERS)
    public record Account(String email, List<String> roles, @BsonProperty("is_admin") Boolean isAdmin, Boolean disabled,
            @BsonProperty("email_verified") Boolean emailVerified, @BsonProperty("created_at") Date createdAt) {
    }

    /** What the startup log line about admins reads. */
    public record AdminEmail(String email, Boolean disabled) {
    }

    public ReactiveMongoCollection<Document> docs() {
        return mongoCollection().withDocumentClass(Document.class);
    }

    Uni<Void> ensureIndexes() {
        return mongoCollection().createIndexes(List.of(
                new IndexModel(Indexes.ascending("email"), new IndexOptions().unique(true).name("email_unique")))).replaceWithVoid();
    }

    Uni<List<AdminEmail>> adminEmails(Bson filter, int limit) {
        return mongoCollection().withDocumentClass(AdminEmail.class)
                .find(filter, new FindOptions().projection(Fields.of(AdminEmail.class)).limit(limit).batchSize(limit))
                .collect().asList();
    }
}
