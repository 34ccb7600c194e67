package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.auth.AuthFlows;
import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Exports are written into storage while they are produced (issue 10): no temp file, GridFS chunks in the spec's
 * layout (every chunk 255 KiB but the last, numbered from 0, the file document last), a bounded number of inserts in
 * flight, and an upload that is not committed leaves no chunk behind.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ExportStreamingTest {
    static final String SLUG = "click_tracker";
    static final String TAG = "export-streaming-test";

    @ConfigProperty(name = "quarkus.mongodb.database")
    String dbName;
    @Inject
    BundlePaths paths;
    @Inject
    GridFsBundleStorage gridfs;

    MongoDatabase db() {
        return TestMongo.client().getDatabase(dbName);
    }

    RequestSpecification admin() {
        return given().auth().oauth2(AuthFlows.adminToken());
    }

    @Test
    void anExportNeedsNoTempFileAndIsStoredInWholeChunks() throws Exception {
        // ~3 MiB of incompressible documents: a ZIP of a dozen chunks, so several inserts
        Random random = new Random(10);
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] noise = new byte[768];
            random.nextBytes(noise);
            docs.add(new Document("experiment_id", SLUG).append("tag", TAG).append("i", i).append("noise", new Binary(noise)));
        }
        db().getCollection(SLUG + "_clicks").insertMany(docs);
        long total = db().getCollection(SLUG + "_clicks").countDocuments(Filters.eq("experiment_id", SLUG)); // other tests' too
        // the bundle code's temp folder cannot be made: the old export, staged in a temp file there, failed
        Path tmp = paths.bundles().resolve(".tmp");
        Path aside = paths.bundles().resolve(".tmp-aside-" + new ObjectId());
        Files.createDirectories(paths.bundles());
        boolean moved = Files.isDirectory(tmp);
        if (moved) {
            Files.move(tmp, aside);
        }
        Files.write(tmp, new byte[0]);
        JsonPath job;
        try {
            RequestSpecification admin = admin();
            String id = admin.post("/admin/api/experiments/" + SLUG + "/exports").then().statusCode(202).extract().path("id");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !List.of("queued", "running").contains(admin().get("/admin/api/exports/" + id).then().extract().<String>path("status")));
            job = admin().get("/admin/api/exports/" + id).then().statusCode(200).extract().jsonPath();
            assertEquals("done", job.getString("status"), job.prettify());
        } finally {
            Files.delete(tmp);
            if (moved) {
                Files.move(aside, tmp);
            }
            db().getCollection(SLUG + "_clicks").deleteMany(Filters.eq("tag", TAG));
        }

        Document file = db().getCollection("bundles.files").find(Filters.eq("filename", "exports/" + SLUG + "/" + job.getString("id") + ".zip")).first();
        assertNotNull(file, "the export's GridFS file");
        long length = file.get("length", Number.class).longValue();
        assertEquals(job.getLong("file_size"), length);
        assertEquals(GridFsBundleStorage.CHUNK, file.getInteger("chunkSize"));
        List<Document> chunks = new ArrayList<>();
        db().getCollection("bundles.chunks").find(Filters.eq("files_id", file.get("_id"))).sort(Sorts.ascending("n")).batchSize(100).forEach(chunks::add);
        int expected = (int) ((length + GridFsBundleStorage.CHUNK - 1) / GridFsBundleStorage.CHUNK);
        assertTrue(expected > GridFsBundleStorage.CHUNKS_PER_INSERT * GridFsBundleStorage.INSERTS_IN_FLIGHT,
                "the export spans more inserts than are in flight at once: " + expected + " chunks");
        assertEquals(expected, chunks.size(), "chunks of " + length + " bytes");
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int n = 0; n < chunks.size(); n++) {
            byte[] data = chunks.get(n).get("data", Binary.class).getData();
            assertEquals(n, chunks.get(n).getInteger("n"));
            assertEquals(n < chunks.size() - 1 ? GridFsBundleStorage.CHUNK : length - (long) n * GridFsBundleStorage.CHUNK, data.length, "chunk " + n);
            joined.write(data);
        }
        byte[] download = admin().get("/admin/api/exports/" + job.getString("id") + "/download").then().statusCode(200).extract().asByteArray();
        assertArrayEquals(joined.toByteArray(), download);
        assertEquals(job.getString("sha256"), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(download)));
        assertEquals(total, KillDuringExportIT.ndjsonLines(download, "data/clicks.ndjson"));
    }

    @Test
    void chunkArraysAreReusedOnlyAfterTheirInsertAndEveryByteArrives() throws Exception {
        // ~10 MiB in odd-sized writes: 40 chunks, so each of the upload's reused arrays carries several chunks; an array
        // handed out again before its insert was answered would store another chunk's bytes
        String key = "exports/streaming-test/" + new ObjectId().toHexString() + ".zip";
        Random random = new Random(42);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try (GridFsBundleStorage.ChunkUpload up = gridfs.upload(key)) {
            while (written.size() < 40 * GridFsBundleStorage.CHUNK - 123) {
                byte[] piece = new byte[1 + random.nextInt(300_000)];
                random.nextBytes(piece);
                up.out().write(piece);
                written.write(piece);
            }
            up.commit();
            assertTrue(up.inserts >= 10, "many inserts: " + up.inserts);
        }
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        try (InputStream in = gridfs.open(key)) {
            in.transferTo(read);
        }
        assertEquals(written.size(), read.size());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(written.toByteArray()),
                MessageDigest.getInstance("SHA-256").digest(read.toByteArray()));
        gridfs.delete(key);
    }

    @Test
    void anUploadNotCommittedLeavesNoChunksAndAnEmptyOneIsAnEmptyFile() throws IOException {
        String key = "exports/streaming-test/" + new ObjectId().toHexString() + ".zip";
        ObjectId id;
        try (GridFsBundleStorage.ChunkUpload up = gridfs.upload(key)) {
            id = up.id;
            up.out().write(new byte[3 * 1024 * 1024 + 17]);
            assertTrue(up.inserts >= 2, "inserts were under way before the end: " + up.inserts);
        } // not committed
        assertEquals(0, db().getCollection("bundles.chunks").countDocuments(Filters.eq("files_id", id)));
        assertEquals(-1, gridfs.size(key));

        try (GridFsBundleStorage.ChunkUpload up = gridfs.upload(key)) {
            up.commit();
        }
        assertEquals(0, gridfs.size(key));
        try (InputStream in = gridfs.open(key)) {
            assertEquals(-1, in.read());
        }
        gridfs.delete(key);
    }

    @Test
    void anUploadWhoseChunksTheSweepRemovedIsNotCommitted() throws IOException {
        String key = "exports/streaming-test/" + new ObjectId().toHexString() + ".zip";
        try (GridFsBundleStorage.ChunkUpload up = gridfs.upload(key)) {
            up.out().write(new byte[3 * 1024 * 1024]);
            // what the storage sweep does to chunks without a file document older than LABS_TEMP_MAX_AGE
            await().atMost(Duration.ofSeconds(30)).until(() -> db().getCollection("bundles.chunks").countDocuments(Filters.eq("files_id", up.id)) > 0);
            db().getCollection("bundles.chunks").deleteMany(Filters.eq("files_id", up.id));
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, up::commit);
            assertTrue(e.getMessage().contains("LABS_TEMP_MAX_AGE"), e.getMessage());
        }
        assertEquals(-1, gridfs.size(key), "no file made of the chunks that were left");
    }
}
