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

/**
 * {@code auth_sessions} ({@link Sessions}). Indexes: user_id (a user's sessions: list, end all) and a TTL on
 * expires_at (the validity check also compares it: the TTL monitor runs once a minute).
 */
@ApplicationScoped
public class SessionRepository implements ReactivePanacheMongoRepositoryBase<SessionRepository.Session, String> {
    /** "use" is "session" (the browser cookie) or "api" (bearer tokens from /auth/token). */
    @MongoEntity(collection = EngineCollections.AUTH_SESSIONS)
    public record Session(@BsonId String id, @BsonProperty("user_id") String userId, String use,
            @BsonProperty("created_at") Date createdAt, @BsonProperty("expires_at") Date expiresAt) {
    }

    /** The _id alone: all a validity check reads. */
    public record SessionId(@BsonId String id) {
    }

    /** Whether a session matches: one projected document at most (cheaper than a count, which aggregates). */
    Uni<Boolean> exists(Bson filter) {
        return mongoCollection().withDocumentClass(SessionId.class)
                .find(filter, new FindOptions().projection(Fields.of(SessionId.class)).limit(1)).collect().first().map(d -> d != null);
    }

    Uni<Void> ensureIndexes() {
        return mongoCollection().createIndexes(List.of(
                new IndexModel(Indexes.ascending("user_id"), new IndexOptions().name("user_id")),
                new IndexModel(Indexes.ascending("expires_at"), new IndexOptions().name("ttl").expireAfter(0L, TimeUnit.SECONDS))))
                .replaceWithVoid();
    }
}
