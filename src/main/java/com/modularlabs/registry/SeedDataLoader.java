package com.modularlabs.registry;

import com.modularlabs.store.Database;
import com.modularlabs.common.Workers;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
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
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Loads experiments/&lt;slug&gt;/seed/&lt;coll&gt;.ndjson (Extended JSON, one document per line) once, into an
 * empty collection. "Once" is decided by inserting a marker with a unique _id into labs_seed_markers, so two
 * replicas starting together never both seed. All markers of a registry load go in one insertMany.
 */
@ApplicationScoped
public class SeedDataLoader {
    @jakarta.inject.Inject
    Database database;
    @jakarta.inject.Inject
    SeedMarkerRepository markers;

    private static final Logger LOG = Logger.getLogger(SeedDataLoader.class);
    static final int BATCH = 500;
    /** Collections seeded at once. */
    static final int PARALLEL = 4;

    /** One seed file of one experiment: its marker _id is "slug/collection". */
    private record Target(Experiment experiment, CollectionSpec spec, Path file) {
        String marker() {
            return experiment.slug() + "/" + spec.name();
        }
    }

    /**
     * Seeds the files of these experiments in a fixed number of round trips besides one insertMany per seeded
     * collection: ONE unordered insertMany of all markers (a duplicate key: seeded before, by us or another
     * replica), ONE listCollections (a collection that does not exist yet is empty; only existing ones get the
     * "still empty" find), then the collections' documents, a few collections at a time.
     */
    public void loadOnce(Collection<Experiment> experiments) {
        if (experiments.isEmpty()) {
            return;
        }
        Workers.run(() -> {
                    List<Target> targets = new ArrayList<>();
                    for (Experiment e : experiments) {
                        for (Path f : seedFiles(e)) {
                            targets.add(new Target(e, e.collections().get(collectionOf(f)), f));
                        }
                    }
                    return targets;
                })
                .chain(this::claimMarkers)
                .chain(mine -> existing(mine).map(exist -> mine.stream().map(t -> new Work(t, exist.contains(t.spec().physicalName()))).toList()))
                .onItem().transformToMulti(Multi.createFrom()::iterable)
                .onItem().transformToUni(w -> seed(w.target(), w.exists())
                        .onFailure().recoverWithUni(err -> {
                            LOG.warnf("Seeding data of %s failed: %s", w.target().marker(), err.getMessage());
                            return Uni.createFrom().voidItem();
                        })).merge(PARALLEL)
                .collect().last()
                .subscribe().with(x -> { }, err -> LOG.warnf("Seeding data failed: %s", err.getMessage()));
    }

    /** Inserts every target's marker at once; returns the targets whose marker is new (they are ours to seed). */
    private Uni<List<Target>> claimMarkers(List<Target> targets) {
        if (targets.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Date now = new Date();
        List<Document> docs = targets.stream().map(t -> new Document("_id", t.marker()).append("at", now)).toList();
        return markers.mongoCollection().withDocumentClass(Document.class).insertMany(docs, new InsertManyOptions().ordered(false))
                .replaceWith(targets)
                .onFailure(MongoBulkWriteException.class).recoverWithItem(err -> {
                    MongoBulkWriteException b = (MongoBulkWriteException) err;
                    if (!b.getWriteErrors().stream().allMatch(w -> w.getCategory() == ErrorCategory.DUPLICATE_KEY)) {
                        throw b;
                    }
                    Set<Integer> seededBefore = new HashSet<>();
                    b.getWriteErrors().forEach(w -> seededBefore.add(w.getIndex()));
                    List<Target> mine = new ArrayList<>();
                    for (int i = 0; i < targets.size(); i++) {
                        if (!seededBefore.contains(i)) {
                            mine.add(targets.get(i));
                        }
                    }
                    return mine;
                });
    }

    private record Work(Target target, boolean exists) {
    }

    /** Which of the targets' collections exist already (one listCollections). */
    private Uni<Set<String>> existing(List<Target> targets) {
        if (targets.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        Set<String> names = new HashSet<>();
        targets.forEach(t -> names.add(t.spec().physicalName()));
        return database.get().listCollectionNames().filter(names::contains).collect().in(HashSet::new, Set::add);
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

    private Uni<Void> seed(Target t, boolean exists) {
        ReactiveMongoCollection<Document> coll = database.collection(t.spec().physicalName());
        Uni<Boolean> empty = !exists ? Uni.createFrom().item(true) // no collection, no documents
                : coll.find(new Document("experiment_id", t.experiment().slug()), new FindOptions().limit(1).batchSize(1)).collect().first()
                        .map(any -> any == null);
        return empty.chain(yes -> !yes ? Uni.createFrom().voidItem()
                : Workers.run(() -> read(t.experiment(), t.file())).chain(docs -> insert(coll, docs)));
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
