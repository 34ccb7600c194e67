package com.modularlabs.registry;

import com.modularlabs.store.Database;
import com.modularlabs.common.Workers;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.InsertManyOptions;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Loads experiments/&lt;slug&gt;/seed/&lt;coll&gt;.ndjson (Extended JSON, one document per line) once, into an
 * empty collection. "Once" is decided by inserting a marker with a unique _id into labs_seed_markers, so two
 * replicas starting together never both seed.
 */
@ApplicationScoped
public class SeedDataLoader {
    @jakarta.inject.Inject
    Database database;
    @jakarta.inject.Inject
    SeedMarkerRepository markers;

    private static final Logger LOG = Logger.getLogger(SeedDataLoader.class);
    static final int BATCH = 500;

    public void loadOnce(Experiment e) {
        Workers.run(() -> seedFiles(e))
                .onItem().transformToMulti(files -> Multi.createFrom().iterable(files))
                .onItem().transformToUniAndConcatenate(f -> seed(e, f))
                .collect().last()
                .subscribe().with(x -> { }, err -> LOG.warnf("Seeding data of %s failed: %s", e.slug(), err.getMessage()));
    }

    private static List<Path> seedFiles(Experiment e) throws IOException {
        Path dir = e.root().resolve("seed");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ndjson"))
                    .filter(p -> e.collections().containsKey(collectionOf(p))).sorted().toList();
        }
    }

    private static String collectionOf(Path p) {
        String n = p.getFileName().toString();
        return n.substring(0, n.length() - ".ndjson".length());
    }

    private Uni<Void> seed(Experiment e, Path file) {
        CollectionSpec spec = e.collections().get(collectionOf(file));
        ReactiveMongoCollection<Document> coll = database.collection(spec.physicalName());
        return markers.persist(new SeedMarkerRepository.Marker(e.slug() + "/" + spec.name(), new Date()))
                .map(r -> true)
                .onFailure(MongoWriteException.class).recoverWithItem(false) // already seeded (duplicate marker)
                .chain(first -> !first ? Uni.createFrom().voidItem()
                        : coll.find(new Document("experiment_id", e.slug()), new FindOptions().limit(1)).collect().first()
                                .chain(any -> any != null ? Uni.createFrom().voidItem()
                                        : Workers.run(() -> read(e, file)).chain(docs -> insert(coll, docs))));
    }

    private static List<Document> read(Experiment e, Path file) throws IOException {
        List<Document> docs = new ArrayList<>();
        Date now = new Date();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Document d = Document.parse(line);
                d.put("experiment_id", e.slug());
                d.putIfAbsent("created_by", null);
                d.putIfAbsent("created_at", now);
                d.putIfAbsent("updated_at", now);
                docs.add(d);
            }
        }
        return docs;
    }

    private static Uni<Void> insert(ReactiveMongoCollection<Document> coll, List<Document> docs) {
        List<List<Document>> batches = new ArrayList<>();
        for (int i = 0; i < docs.size(); i += BATCH) {
            batches.add(docs.subList(i, Math.min(docs.size(), i + BATCH)));
        }
        return Multi.createFrom().iterable(batches)
                .onItem().transformToUniAndConcatenate(b -> coll.insertMany(b, new InsertManyOptions().ordered(false)))
                .collect().last().replaceWithVoid()
                .invoke(() -> LOG.infof("Seeded %d documents into %s", docs.size(), coll.getNamespace().getCollectionName()));
    }
}
