package com.modularlabs.registry;

import com.modularlabs.store.EngineCollections;
import io.quarkus.mongodb.panache.common.MongoEntity;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.codecs.pojo.annotations.BsonProperty;
import org.bson.types.ObjectId;

/**
 * The typed, projected view of an {@code experiments_config} document that list endpoints read (seed item 11):
 * only these fields are fetched ({@link ExperimentConfigRepository#activePage}). The full config, with g.nome's
 * free-form keys, is read as a BSON Document through the same repository.
 */
@MongoEntity(collection = EngineCollections.EXPERIMENTS_CONFIG)
public record ExperimentSummary(@BsonId ObjectId id, String slug, String name, String description, String status,
        @BsonProperty("auth_required") Boolean authRequired) {
}
