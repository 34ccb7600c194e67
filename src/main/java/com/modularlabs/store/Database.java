package com.modularlabs.store;

import io.quarkus.mongodb.reactive.ReactiveMongoClient;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.mongodb.reactive.ReactiveMongoDatabase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.bson.Document;

/**
 * The one way to the engine's database for code that is not a repository: experiments' dynamic collections
 * ({@code <slug>_<collection>}), index builds and server commands. The engine's own collections have Panache
 * repositories in their features; both use the same (default) reactive client, so one connection pool.
 */
@ApplicationScoped
public class Database {
    @Inject
    ReactiveMongoClient client;
    @Inject
    MongoSettings settings;

    public ReactiveMongoDatabase get() {
        return client.getDatabase(settings.database());
    }

    public ReactiveMongoCollection<Document> collection(String name) {
        return get().getCollection(name);
    }

    /** The {@code admin} database, for server commands (ping, isMaster). */
    public ReactiveMongoDatabase admin() {
        return client.getDatabase("admin");
    }
}
