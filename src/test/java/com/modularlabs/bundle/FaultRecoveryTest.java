package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * What killed work leaves behind (issue 11): an export whose replica died is marked failed with the reason once its
 * lease runs out; the storage sweep removes orphan GridFS chunks, old temp files and bundle versions beyond the
 * newest three; g.nome's export rows (no stored file) say "not available here"; an upload keeps a deactivated status.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class FaultRecoveryTest {
    static final String SLUG = "sweep_t";

    MongoClient mongo = TestMongo.client();
    @ConfigProperty(name = "quarkus.mongodb.database")
    String dbName;
    @Inject
    StorageSweeper sweeper;
    @Inject
    BundlePaths paths;

    MongoDatabase db() {
        return mongo.getDatabase(dbName);
    }

    static RequestSpecification admin() {
        String token = given().contentType(ContentType.JSON)
                .body(Map.of("email", "admin@example.com", "password", "test-admin-password-1")).post("/auth/token")
                .then().statusCode(200).extract().path("access_token");
        return given().auth().oauth2(token);
    }

    @Test
    void anExportWhoseReplicaDiedIsMarkedFailedWithTheReason() {
        Date longAgo = Date.from(Instant.now().minus(Duration.ofMinutes(3)));
        ObjectId id = new ObjectId();
        db().getCollection(ExportService.LOGS).insertOne(new Document("_id", id).append("slug_id", "click_tracker")
                .append("export_type", "bundle").append("user_email", "admin@example.com").append("status", "running")
                .append("percent", 41).append("documents", 4100L).append("created_at", longAgo).append("owner", "killed-host/4242/abc")
                .append("heartbeat_at", longAgo).append("lease_until", Date.from(Instant.now().minus(Duration.ofMinutes(2)))));
        RequestSpecification admin = admin();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> "failed".equals(given().spec(admin).get("/admin/api/exports/" + id.toHexString()).path("status")));
        given().spec(admin).get("/admin/api/exports/" + id.toHexString()).then().statusCode(200)
                .body("error", containsString("41 %")).body("error", containsString("killed-host/4242/abc"))
                .body("error", containsString("stopped renewing its lease"));
    }

    @Test
    void gnomeExportRowsSayNotAvailableHere() {
        ObjectId id = new ObjectId();
        db().getCollection(ExportService.LOGS).insertOne(new Document("_id", id).append("slug_id", "click_tracker")
                .append("export_type", "intelligent").append("user_email", "Guest")
                .append("local_file_path", "temp_exports/click_tracker_intelligent_export_20240101_120000.zip")
                .append("file_size", 12345L).append("created_at", new Date()));
        RequestSpecification admin = admin();
        given().spec(admin).get("/admin/api/exports/" + id.toHexString()).then().statusCode(200)
                .body("available", equalTo(false)).body("note", equalTo("not available here"))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("download")));
        given().spec(admin).get("/admin/api/exports/" + id.toHexString() + "/download").then().statusCode(410)
                .contentType("application/problem+json").body("detail", containsString("not available here"));
    }

    @Test
    void theSweepRemovesOrphansOldTempFilesAndOldVersionsAndUploadsKeepTheStatus() throws Exception {
        RequestSpecification admin = admin();
        List<String> shas = new ArrayList<>();
        for (int v = 1; v <= 5; v++) {
            shas.add(given().spec(admin).contentType("application/zip").body(Zips.bundle(SLUG, "Sweep", "<h1>v" + v + "</h1>").bytes())
                    .post("/admin/api/experiments/" + SLUG + "/bundle").then().statusCode(200).extract().path("sha256"));
            if (v == 1) {
                given().spec(admin).contentType(ContentType.JSON).body("{\"status\": \"inactive\"}")
                        .post("/admin/api/experiments/" + SLUG + "/status").then().statusCode(200);
            }
        }
        assertEquals("inactive", db().getCollection("experiments_config").find(Filters.eq("slug", SLUG)).first().getString("status"),
                "uploads keep the status an admin set");

        // make everything look two hours old, upload order kept (v1 oldest)
        Instant old = Instant.now().minus(Duration.ofHours(2));
        for (int v = 0; v < shas.size(); v++) {
            db().getCollection("bundles.files").updateMany(Filters.eq("filename", BundlePaths.storageKey(SLUG, shas.get(v))),
                    Updates.set("uploadDate", Date.from(old.plusSeconds(v))));
            Files.setLastModifiedTime(paths.unpacked(SLUG, shas.get(v)), FileTime.from(old));
        }
        ObjectId orphanOld = new ObjectId(Date.from(old));
        ObjectId orphanNew = new ObjectId();
        for (ObjectId f : List.of(orphanOld, orphanNew)) {
            db().getCollection("bundles.chunks").insertOne(new Document("files_id", f).append("n", 0).append("data", new Binary(new byte[1024])));
        }
        Path tmp = paths.bundles().resolve(".tmp");
        Files.createDirectories(tmp);
        Path staleTemp = Files.write(tmp.resolve("killed-upload.zip"), new byte[4096]);
        Files.setLastModifiedTime(staleTemp, FileTime.from(old));
        Path freshTemp = Files.write(tmp.resolve("running-upload.zip"), new byte[16]);
        // this process's own temp file, however old: an operation still uses it and deletes it itself
        Path ownTemp = Files.write(tmp.resolve(BundlePaths.PROCESS_PREFIX + "slow-upload.zip"), new byte[16]);
        Files.setLastModifiedTime(ownTemp, FileTime.from(old));

        StorageSweeper.Swept swept = sweeper.sweep();

        assertTrue(swept.oldVersions() >= 2 && swept.orphanChunks() >= 1 && swept.tempFiles() >= 1, swept.toString());
        assertEquals(0, db().getCollection("bundles.chunks").countDocuments(Filters.eq("files_id", orphanOld)), "old orphan chunks removed");
        assertEquals(1, db().getCollection("bundles.chunks").countDocuments(Filters.eq("files_id", orphanNew)), "a running upload's chunks stay");
        assertFalse(Files.exists(staleTemp), "old temp file removed");
        assertTrue(Files.exists(freshTemp), "fresh temp file kept");
        assertTrue(Files.exists(ownTemp), "this process's temp file kept");
        Files.deleteIfExists(ownTemp);
        for (int v = 0; v < shas.size(); v++) {
            boolean kept = v >= 2; // newest three (v3, v4, v5; v5 is served)
            assertEquals(kept ? 1 : 0, db().getCollection("bundles.files").countDocuments(Filters.eq("filename", BundlePaths.storageKey(SLUG, shas.get(v)))),
                    "version " + (v + 1) + " in storage");
            assertEquals(kept, Files.isDirectory(paths.unpacked(SLUG, shas.get(v))), "version " + (v + 1) + " unpacked");
        }
        Files.deleteIfExists(freshTemp);
        given().spec(admin).contentType(ContentType.JSON).body("{\"status\": \"active\"}")
                .post("/admin/api/experiments/" + SLUG + "/status").then().statusCode(200);
        String page = "/experiments/" + SLUG + "/";
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get(page).statusCode() == 200);
        String etag = given().get(page).then().statusCode(200).body(containsString("v5"))
                .header("Cache-Control", containsString("no-cache")).extract().header("ETag");
        given().header("If-None-Match", etag).get(page).then().statusCode(304);
        given().spec(admin).contentType(ContentType.JSON).body("{\"status\": \"inactive\"}")
                .post("/admin/api/experiments/" + SLUG + "/status").then().statusCode(200);
        // a browser revalidating its cached page learns at once that the experiment is gone
        await().atMost(Duration.ofSeconds(20)).until(() -> given().header("If-None-Match", etag).get(page).statusCode() == 404);
    }
}
