package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.Fields;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.codecs.pojo.annotations.BsonProperty;
import org.bson.conversions.Bson;

/** {@code auth_invites} ({@link Invites}): _id is the SHA-256 of the token; index: TTL on expires_at. */
@ApplicationScoped
public class InviteRepository implements ReactivePanacheMongoRepositoryBase<InviteRepository.Invite, String> {
    @MongoEntity(collection = EngineCollections.AUTH_INVITES)
    public record Invite(@BsonId String id, String email, @BsonProperty("created_by") String createdBy,
            @BsonProperty("created_at") Date createdAt, @BsonProperty("expires_at") Date expiresAt) {
    }

    /** The invited address: all that peeking at an invite reads. */
    public record InvitedEmail(String email) {
    }

    Uni<Void> ensureIndexes() {
        return mongoCollection().createIndexes(List.of(
                new IndexModel(Indexes.ascending("expires_at"), new IndexOptions().name("ttl").expireAfter(0L, TimeUnit.SECONDS))))
                .replaceWithVoid();
    }

    Uni<InvitedEmail> email(Bson filter) {
        return mongoCollection().withDocumentClass(InvitedEmail.class)
                .find(filter, new FindOptions().projection(Fields.of(InvitedEmail.class)).limit(1)).collect().first();
    }
}
