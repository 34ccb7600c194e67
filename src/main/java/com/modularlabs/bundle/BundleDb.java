package com.modularlabs.bundle;

import com.modularlabs.common.Workers;
import com.modularlabs.store.Database;
import com.modularlabs.store.MongoSettings;
import io.quarkus.mongodb.reactive.ReactiveMongoClient;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import mutiny.zero.flow.adapters.AdaptersToFlow;
import org.bson.Document;
import org.reactivestreams.Publisher;

/**
 * The bundle feature's way to the database: the engine's one reactive client (one connection pool per process),
 * bridged for the blocking ZIP and file work that runs on worker threads. Small operations go through Quarkus'
 * {@link ReactiveMongoClient}; GridFS and the big cursors use the same client's driver-level API
 * ({@link ReactiveMongoClient#unwrap()}), whose items arrive on the driver's threads and never hop to an event
 * loop per document. Every wait is bounded by the driver's own timeouts (store.StoreTimeouts).
 */
@ApplicationScoped
public class BundleDb {
    @Inject
    ReactiveMongoClient client;
    @Inject
    Database database;
    @Inject
    MongoSettings settings;

    public ReactiveMongoCollection<Document> collection(String name) {
        return database.collection(name);
    }

    public <T> ReactiveMongoCollection<T> collection(String name, Class<T> type) {
        return database.get().getCollection(name, type);
    }

    /** The same client's driver-level database (GridFS, streamed cursors). */
    public com.mongodb.reactivestreams.client.MongoDatabase driver() {
        return client.unwrap().getDatabase(settings.database());
    }

    /** Waits on a worker thread for a Uni of the reactive client. */
    static <T> T await(Uni<T> uni) {
        Workers.assertNotOnEventLoop("A blocking database call");
        return uni.await().indefinitely();
    }

    /** The first item of a driver publisher (null when it completes empty), waited for on a worker thread. */
    static <T> T await(Publisher<T> publisher) {
        return await(Uni.createFrom().publisher(AdaptersToFlow.publisher(publisher)));
    }

    /** Starts a driver operation without waiting for it: its first item (null when it completes empty). */
    static <T> java.util.concurrent.CompletableFuture<T> start(Publisher<T> publisher) {
        return Uni.createFrom().publisher(AdaptersToFlow.publisher(publisher)).subscribeAsCompletionStage();
    }

    /** All items of a small, bounded result. */
    static <T> List<T> list(Multi<T> items) {
        List<T> out = await(items.collect().asList());
        return out == null ? new ArrayList<>() : out;
    }

    /**
     * A driver publisher as a blocking stream with back-pressure: at most {@code batch} items are buffered, so a
     * cursor of any size is read in bounded memory. Close the stream (try-with-resources) to cancel the cursor.
     */
    static <T> Stream<T> stream(Publisher<T> publisher, int batch) {
        Workers.assertNotOnEventLoop("A streamed database read");
        return Multi.createFrom().publisher(AdaptersToFlow.publisher(publisher)).subscribe()
                .asStream(batch, () -> new java.util.concurrent.ArrayBlockingQueue<>(batch));
    }
}
