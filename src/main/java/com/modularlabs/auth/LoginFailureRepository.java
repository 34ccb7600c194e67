package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.codecs.pojo.annotations.BsonId;

/**
 * {@code login_failures} ({@link LoginThrottle}): one counter per hashed key, read and written by _id; the TTL index
 * on {@code until} removes finished windows.
 */
@ApplicationScoped
public class LoginFailureRepository implements ReactivePanacheMongoRepositoryBase<LoginFailureRepository.Counter, String> {
    /** Attempts {@code n} in the window ending {@code until}; {@code next}: when the account backoff lets one through. */
    @MongoEntity(collection = EngineCollections.LOGIN_FAILURES)
    public record Counter(@BsonId String key, Integer n, Date until, Date next) {
        int count() {
            return n == null ? 0 : n;
        }
    }

    Uni<Void> ensureIndexes() {
        return mongoCollection().createIndexes(List.of(
                new IndexModel(Indexes.ascending("until"), new IndexOptions().name("until_ttl").expireAfter(0L, TimeUnit.SECONDS))))
                .replaceWithVoid();
    }
}
