package com.modularlabs.registry;

import com.modularlabs.store.EngineCollections;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import org.bson.codecs.pojo.annotations.BsonId;

/**
 * {@code labs_seed_markers} ({@link SeedDataLoader}): one marker per seeded collection, _id "slug/collection"; its
 * unique _id lets exactly one replica seed a collection. No other index.
 */
@ApplicationScoped
public class SeedMarkerRepository implements ReactivePanacheMongoRepositoryBase<SeedMarkerRepository.Marker, String> {
    @MongoEntity(collection = EngineCollections.SEED_MARKERS)
    public record Marker(@BsonId String id, Date at) {
    }
}
