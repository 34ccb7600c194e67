package com.modularlabs.store;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * The two Quarkus MongoDB client keys the engine itself needs to know (LABS_DB_NAME and MONGO_URI in
 * application.properties): read through this mapping so there is one key per setting, not a copy under labs.*.
 */
@ConfigMapping(prefix = "quarkus.mongodb")
public interface MongoSettings {
    /** The engine's database: every engine collection and every experiment collection lives in it. */
    String database();

    /** The configured connection string (the embedded store's when no MONGO_URI is set). */
    Optional<String> connectionString();
}
