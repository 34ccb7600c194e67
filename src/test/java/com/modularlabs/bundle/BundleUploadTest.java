package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.security.TestSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestProfile(LimitsProfile.class)
@TestSecurity(user = "admin@example.com", roles = "admin")
class BundleUploadTest {
    static final String SLUG = "upl";
    static final Path DATA = Path.of("target/test-data/bundles");

    @BeforeEach
    void installGoodVersion() {
        upload(Zips.bundle(SLUG, "Uploaded", "<h1>v1</h1>").bytes()).then().statusCode(200);
        given().get("/experiments/" + SLUG + "/").then().statusCode(200).body(containsString("v1"));
    }

    static io.restassured.response.Response upload(byte[] zip) {
        return given().contentType("application/zip").body(zip).post("/admin/api/experiments/" + SLUG + "/bundle");
    }

    static String state() throws IOException {
        String version = given().get("/admin/api/experiments/" + SLUG).then().statusCode(200).extract().header("ETag");
        String page = given().get("/experiments/" + SLUG + "/").then().statusCode(200).extract().asString();
        List<String> disk;
        try (Stream<Path> s = Files.walk(DATA)) {
            disk = s.map(Path::toString).sorted().toList();
        }
        return version + "|" + page + "|" + disk;
    }

    @Test
    void goodUploadSwapsVersionAndServesNewFiles() {
        String before = given().get("/admin/api/experiments/" + SLUG).then().extract().header("ETag");
        upload(Zips.bundle(SLUG, "Uploaded", "<h1>v2</h1>").add("seed/notes.ndjson", "{\"t\": 1}\n").bytes())
                .then().statusCode(200).body("slug", equalTo(SLUG)).body("sha256", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{64}"));
        given().get("/experiments/" + SLUG + "/").then().statusCode(200).body(containsString("v2"));
        String after = given().get("/admin/api/experiments/" + SLUG).then().body("bundle.sha256", org.hamcrest.Matchers.notNullValue())
                .extract().header("ETag");
        assertFalse(before.equals(after));
    }

    @Test
    void multipartUploadWorks() {
        given().multiPart("file", "b.zip", Zips.bundle(SLUG, "Uploaded", "<h1>multi</h1>").bytes(), "application/zip")
                .post("/admin/api/experiments/" + SLUG + "/bundle").then().statusCode(200);
        given().get("/experiments/" + SLUG + "/").then().statusCode(200).body(containsString("multi"));
    }

    void refused(byte[] zip, int status, String detail) throws IOException {
        String before = state();
        upload(zip).then().statusCode(status).contentType(containsString("application/problem+json"))
                .body("detail", containsString(detail));
        assertEquals(before, state(), "a refused upload must leave the served version and the disk unchanged");
        try (Stream<Path> s = Files.list(DATA.resolve(".tmp"))) {
            assertEquals(0, s.count(), "no leftovers in the work folder");
        }
    }

    @Test
    void zipSlipIsRefused() throws IOException {
        refused(Zips.bundle(SLUG, "x", "evil").add("static/../../escape.txt", "x").bytes(), 400, "..");
    }

    @Test
    void absolutePathIsRefused() throws IOException {
        refused(Zips.bundle(SLUG, "x", "evil").add("/etc/evil", "x").bytes(), 400, "an absolute path");
        refused(Zips.bundle(SLUG, "x", "evil").add("C:/evil", "x").bytes(), 400, "an absolute path");
    }

    @Test
    void symlinkIsRefused() throws IOException {
        refused(Zips.bundle(SLUG, "x", "evil").link("static/passwd", "/etc/passwd").bytes(), 400, "Links");
    }

    @Test
    void duplicateEntryIsRefused() throws IOException {
        refused(Zips.bundle(SLUG, "x", "evil").add("static/index.html", "again").bytes(), 400, "Duplicate");
    }

    @Test
    void zipBombByRatioIsRefused() throws IOException {
        refused(Zips.bundle(SLUG, "x", "evil").add("static/zeros.bin", new byte[3 * 1024 * 1024]).bytes(), 413, "inflates");
    }

    @Test
    void zipBombByTotalSizeIsRefused() throws IOException {
        // each entry compresses about 2:1 (under the ratio), together they unpack past the 4 MiB limit
        Random r = new Random(1);
        Zips z = Zips.bundle(SLUG, "x", "evil");
        for (int i = 0; i < 10; i++) {
            byte[] b = new byte[600 * 1024];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) ('a' + r.nextInt(4));
            }
            z.add("static/part" + i + ".txt", b);
        }
        byte[] zip = z.bytes();
        org.junit.jupiter.api.Assertions.assertTrue(zip.length < 2 * 1024 * 1024, "under the upload limit: " + zip.length);
        refused(zip, 413, "unpacks to more than");
    }

    @Test
    void tooManyEntriesIsRefused() throws IOException {
        Zips z = Zips.bundle(SLUG, "x", "evil");
        for (int i = 0; i < 60; i++) {
            z.add("static/f" + i + ".txt", "x");
        }
        refused(z.bytes(), 413, "entries");
    }

    @Test
    void tooLargeUploadIsRefused() throws IOException {
        byte[] big = new byte[3 * 1024 * 1024];
        new Random(2).nextBytes(big);
        refused(Zips.bundle(SLUG, "x", "evil").add("static/big.bin", big).bytes(), 413, "larger than");
    }

    @Test
    void missingManifestIsRefused() throws IOException {
        refused(new Zips().add("static/index.html", "no manifest").add("sub/manifest.json", "{\"name\":\"x\"}").bytes(), 400, "manifest.json");
    }

    @Test
    void invalidManifestIsRefusedWithPaths() throws IOException {
        String before = state();
        upload(new Zips().add("manifest.json", "{\"description\": \"no name\"}").bytes()).then().statusCode(400)
                .body("errors.path", hasItem(org.hamcrest.Matchers.startsWith("$")));
        upload(new Zips().add("manifest.json", "{\"name\": \"x\", \"slug\": \"other\"}").bytes()).then().statusCode(400)
                .body("errors.path", hasItem("$.slug"));
        upload(new Zips().add("manifest.json", "[1, 2]").bytes()).then().statusCode(400);
        assertEquals(before, state());
    }

    @Test
    void notAZipIsRefused() throws IOException {
        refused("this is not a zip".getBytes(StandardCharsets.UTF_8), 400, "not a ZIP");
    }

    @Test
    void badSlugIsRefused() {
        given().contentType("application/zip").body(Zips.bundle("x", "x", "x").bytes())
                .urlEncodingEnabled(false).post("/admin/api/experiments/%2e%2e/bundle").then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(400), equalTo(404)));
        given().contentType("application/zip").body(Zips.bundle("x", "x", "x").bytes())
                .post("/admin/api/experiments/UPPER/bundle").then().statusCode(404);
    }
}
