package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import io.quarkus.mongodb.panache.common.MongoEntity;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.codecs.pojo.annotations.BsonProperty;

/** {@code labs_settings}: engine-wide values shared by every replica, by name (_id); no other index. */
@ApplicationScoped
public class SettingsRepository implements ReactivePanacheMongoRepositoryBase<SettingsRepository.Setting, String> {
    @MongoEntity(collection = EngineCollections.SETTINGS)
    public record Setting(@BsonId String name, String value, @BsonProperty("created_at") Date createdAt) {
    }
}
