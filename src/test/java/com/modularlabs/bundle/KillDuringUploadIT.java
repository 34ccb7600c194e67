package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.packaged.PackagedApp;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "upload killed while storing": the packaged jar (embedded store) is killed with SIGKILL while it writes
 * an uploaded bundle into GridFS (chunks written, file document not yet), restarted on the same data folder with a
 * short sweep bound (LABS_TEMP_MAX_AGE, LABS_SWEEP_INTERVAL); the storage sweep then leaves no orphan GridFS chunk
 * and no temp file, and a new upload works. The test reads GridFS through the embedded store's own port.
 */
class KillDuringUploadIT {
    static final String ADMIN = "upload-kill-admin@example.com";
    static final String PASSWORD = "upload-kill-admin-password-1";
    static final String SLUG = "kill_upload";

    PackagedApp app;
    MongoClient mongo;
    String token;

    @AfterEach
    void stop() {
        if (mongo != null) {
            mongo.close();
        }
        if (app != null) {
            app.discard();
        }
    }

    @Test
    void anUploadKilledWhileStoringLeavesNothingBehindAfterRestartAndSweep() throws Exception {
        Map<String, String> env = PackagedApp.embeddedEnv(ADMIN, PASSWORD);
        app = new PackagedApp("kill-upload", "app", env);
        app.start();
        app.awaitReady(Duration.ofSeconds(120));
        mongo = MongoClients.create("mongodb://127.0.0.1:" + env.get("LABS_EMBEDDED_MONGO_PORT") + "/?serverSelectionTimeoutMS=5000");
        try {
            run();
        } catch (Throwable t) {
            app.printTail(60);
            throw t;
        }
    }

    MongoDatabase db() {
        return mongo.getDatabase("labs_db");
    }

    void run() throws Exception {
        token = given().baseUri(app.url("")).contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", PASSWORD))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
        Random random = new Random(11);
        long orphansAtKill = 0;
        for (int attempt = 0; attempt < 3 && orphansAtKill == 0; attempt++) {
            long files = db().getCollection("bundles.files").countDocuments();
            long chunks = db().getCollection("bundles.chunks").countDocuments();
            byte[] blob = new byte[(30 + 10 * attempt) << 20]; // incompressible: every byte goes to GridFS
            random.nextBytes(blob);
            byte[] zip = Zips.bundle(SLUG, "Killed upload", "<h1>v" + attempt + "</h1>").add("static/blob.bin", blob).bytes();
            CompletableFuture<HttpResponse<String>> upload = app.http.sendAsync(HttpRequest.newBuilder(URI.create(app.url("/admin/api/experiments/" + SLUG + "/bundle")))
                    .timeout(Duration.ofSeconds(300)).header("Authorization", "Bearer " + token).header("Content-Type", "application/zip")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(zip)).build(), HttpResponse.BodyHandlers.ofString());
            // storing: chunks of the new version written, its file document (written last) not yet
            long[] seen = new long[1];
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(20)).until(() -> {
                seen[0] = db().getCollection("bundles.chunks").estimatedDocumentCount() - chunks;
                return upload.isDone() || (seen[0] > 0 && db().getCollection("bundles.files").estimatedDocumentCount() == files);
            });
            if (!upload.isDone()) {
                app.kill();
                orphansAtKill = seen[0];
            }
        }
        assertTrue(orphansAtKill > 0, "no upload was ever caught while storing");
        assertTrue(!tempFiles().isEmpty(), "the killed upload left no temp file: the test would prove nothing");
        System.out.println("KillDuringUploadIT: killed while storing, " + orphansAtKill + " chunks written, temp files " + tempFiles());

        mongo.close();
        app.env.put("LABS_TEMP_MAX_AGE", "1s");
        app.env.put("LABS_SWEEP_INTERVAL", "1s");
        app.env.put("LABS_SWEEP_DELAY", "1s");
        app.start();
        app.awaitReady(Duration.ofSeconds(120));
        mongo = MongoClients.create("mongodb://127.0.0.1:" + app.env.get("LABS_EMBEDDED_MONGO_PORT") + "/?serverSelectionTimeoutMS=5000");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> orphanChunks() == 0 && tempFiles().isEmpty());

        byte[] small = Zips.bundle(SLUG, "Uploaded after the crash", "<h1>after</h1>").bytes();
        given().baseUri(app.url("")).auth().oauth2(token).contentType("application/zip").body(small)
                .post("/admin/api/experiments/" + SLUG + "/bundle").then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> given().baseUri(app.url("")).get("/experiments/" + SLUG + "/").statusCode() == 200);
        given().baseUri(app.url("")).get("/experiments/" + SLUG + "/").then().statusCode(200).body(containsString("after"));
        assertTrue(orphanChunks() == 0, "orphan chunks after a successful upload");
    }

    /** Chunks whose file document does not exist. */
    long orphanChunks() {
        Set<Object> files = new HashSet<>();
        db().getCollection("bundles.files").find().projection(new Document("_id", 1)).batchSize(1000).forEach(d -> files.add(d.get("_id")));
        Set<Object> ids = new HashSet<>();
        db().getCollection("bundles.chunks").distinct("files_id", org.bson.types.ObjectId.class).forEach(ids::add);
        ids.removeAll(files);
        return ids.size();
    }

    /** Work files of the bundle code and the HTTP layer's multipart uploads. */
    List<Path> tempFiles() throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (Path dir : List.of(app.dataDir.resolve("bundles/.tmp"), app.dataDir.resolve("uploads"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.forEach(out::add);
                }
            }
        }
        return out;
    }
}
