package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.MongoClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.security.TestSecurity;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Bundles and exports in S3-compatible storage, against a real S3-protocol server (s3rver, see {@link S3TestResource});
 * skipped when node or the package is missing. One class: its own profile restarts the application with s3 storage.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@WithTestResource(S3TestResource.class)
@TestProfile(S3BundleStorageTest.S3Profile.class)
@EnabledIf("com.modularlabs.bundle.S3TestResource#available")
@TestSecurity(user = "admin@example.com", roles = "admin")
class S3BundleStorageTest {
    public static class S3Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("labs.bundle.storage", "s3");
        }
    }

    static final String SLUG = "s3t";
    static S3Client s3;

    @Inject
    BundleConfig config;
    @Inject
    BundleStorage storage;
    @Inject
    BundleRootResolver resolver;
    @Inject
    BundlePaths paths;
    MongoClient mongo = TestMongo.client();
    @ConfigProperty(name = "quarkus.mongodb.database")
    String db;

    @BeforeAll
    static void noClient() {
        s3 = null;
    }

    S3Client s3() {
        if (s3 == null) {
            s3 = S3BundleStorage.build(config.s3());
        }
        return s3;
    }

    @AfterAll
    static void close() {
        if (s3 != null) {
            s3.close();
        }
    }

    byte[] object(String key) {
        return s3().getObjectAsBytes(r -> r.bucket(S3TestResource.BUCKET).key(key)).asByteArray();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    long gridFsFiles() {
        return mongo.getDatabase(db).getCollection(config.gridfsBucket() + ".files").countDocuments();
    }

    @Test
    void bundleAndExportLiveInS3() throws Exception {
        assertEquals("s3", BundleStorageSelector.kind(config));
        byte[] bundle = Zips.bundle(SLUG, "In S3", "<h1>from s3</h1>").bytes();
        String sha = given().contentType("application/zip").body(bundle).post("/admin/api/experiments/" + SLUG + "/bundle")
                .then().statusCode(200).extract().path("sha256");
        given().get("/experiments/" + SLUG + "/").then().statusCode(200).body(containsString("from s3"));

        // the object is in the bucket, byte for byte
        String key = BundlePaths.storageKey(SLUG, sha);
        assertArrayEquals(bundle, object(key));
        assertEquals(bundle.length, storage.size(key));

        // a replica without the unpacked copy fetches it from S3
        Path dir = paths.unpacked(SLUG, sha);
        BundlePaths.deleteTree(dir);
        assertFalse(Files.exists(dir));
        Document cfg = new Document("bundle", new Document("storage_key", key).append("sha256", sha));
        Path served = resolver.resolve(SLUG, cfg).await().indefinitely();
        assertEquals(dir, served);
        assertTrue(Files.readString(served.resolve("static/index.html")).contains("from s3"));

        // export, download: the bytes are the S3 object's
        Response started = given().post("/admin/api/experiments/" + SLUG + "/exports");
        started.then().statusCode(202);
        String id = started.jsonPath().getString("id");
        String status = null;
        for (int i = 0; i < 150 && !"done".equals(status); i++) {
            Thread.sleep(100);
            status = given().get("/admin/api/exports/" + id).then().statusCode(200).extract().path("status");
            assertFalse("failed".equals(status), "export failed");
        }
        assertEquals("done", status);
        Response dl = given().get("/admin/api/exports/" + id + "/download");
        dl.then().statusCode(200).contentType("application/zip");
        byte[] zip = dl.asByteArray();
        String exportKey = "exports/" + SLUG + "/" + id + ".zip";
        assertArrayEquals(object(exportKey), zip);
        assertEquals(dl.header("X-Checksum-SHA256"), sha256(zip));
        assertEquals(0, gridFsFiles(), "nothing written to GridFS");

        // the export imports back
        given().contentType("application/zip").body(zip).post("/admin/api/import").then().statusCode(200)
                .body("slug", equalTo(SLUG));

        // delete: gone from the bucket, the download answers 410
        storage.delete(exportKey);
        S3Exception gone = assertThrows(S3Exception.class, () -> s3().headObject(r -> r.bucket(S3TestResource.BUCKET).key(exportKey)));
        assertEquals(404, gone.statusCode());
        assertEquals(-1, storage.size(exportKey));
        assertThrows(FileNotFoundException.class, () -> storage.open(exportKey).close());
        storage.delete(exportKey); // absent is fine
        given().get("/admin/api/exports/" + id + "/download").then().statusCode(410);
    }
}
