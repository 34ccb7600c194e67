package com.modularlabs.registry;

import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoEntityBase;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.codecs.pojo.annotations.BsonProperty;
import org.bson.types.ObjectId;

/**
 * The typed, projected view of an {@code experiments_config} document used by list endpoints (seed item 11): only
 * these fields are fetched. The full config, with g.nome's free-form keys, is read as a BSON Document by
 * {@link ExperimentConfigRepository}.
 */
@MongoEntity(collection = com.modularlabs.store.EngineCollections.EXPERIMENTS_CONFIG)
public class ExperimentSummary extends ReactivePanacheMongoEntityBase {
    @BsonId
    public ObjectId id;
    public String slug;
    public String name;
    public String description;
    public String status;
    @BsonProperty("auth_required")
    public Boolean authRequired;
}
