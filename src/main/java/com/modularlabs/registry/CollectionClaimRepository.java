package com.modularlabs.registry;

import com.modularlabs.store.EngineCollections;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.codecs.pojo.annotations.BsonProperty;

/**
 * {@code labs_collection_claims} ({@link CollectionClaims}): the physical collection name is the _id, so its unique
 * index settles concurrent claims and serves every lookup; no other index.
 */
@ApplicationScoped
public class CollectionClaimRepository implements ReactivePanacheMongoRepositoryBase<CollectionClaimRepository.Claim, String> {
    @MongoEntity(collection = EngineCollections.COLLECTION_CLAIMS)
    public record Claim(@BsonId String physical, String slug, @BsonProperty("claimed_at") Date claimedAt) {
    }
}
