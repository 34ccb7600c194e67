package com.modularlabs.bundle;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 finding 11 (ZIP shapes) and 9 (dot-files): hostile archives are refused with a 4xx problem naming the
 * entry, never a 500; dot-files inside a bundle are never unpacked or served.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileArchiveTest {
    static final String SLUG = "hostile_zip";
    String token;

    @BeforeEach
    void login() {
        token = AdminLogin.token();
    }

    Response upload(byte[] zip) {
        return AdminLogin.as(token).contentType("application/zip").body(zip).post("/admin/api/experiments/" + SLUG + "/bundle");
    }

    static Zips good() {
        return Zips.bundle(SLUG, "Hostile", "<h1>ok</h1>");
    }

    @Test
    void aFileFollowedByAFolderOfTheSameNameIs400NamingTheEntry() {
        // was a 500 (FileAlreadyExistsException while creating the folder static/)
        upload(new Zips().add("manifest.json", "{\"name\": \"x\"}").add("static", "a file").add("static/x.js", "1").bytes())
                .then().statusCode(400).contentType(containsString("application/problem+json"))
                .body("detail", allOf(containsString("static"), containsString("static/x.js")));
    }

    @Test
    void everyHostileShapeIsA4xxProblem() {
        Map<String, Zips> shapes = new LinkedHashMap<>();
        shapes.put("folder then file of the same name", good().add("static/a/x.js", "1").add("static/a", "file"));
        shapes.put("file then folder, other case", good().add("static/Lib", "file").add("static/lib/x.js", "1"));
        shapes.put("file nested under the manifest", new Zips().add("manifest.json", "{\"name\": \"x\"}").add("manifest.json/x", "1"));
        shapes.put("duplicate entry", good().add("static/a.js", "1").add("static/a.js", "2"));
        shapes.put("duplicate up to case", good().add("static/A.js", "1").add("static/a.js", "2"));
        shapes.put("dot segment", good().add("./static/x.js", "1"));
        shapes.put("inner dot segment", good().add("static/./x.js", "1"));
        shapes.put("dot-dot", good().add("static/../../x.js", "1"));
        shapes.put("backslash", good().add("static\\..\\x.js", "1"));
        shapes.put("absolute", good().add("/etc/x", "1"));
        shapes.put("drive letter", good().add("C:/x", "1"));
        shapes.put("UNC", good().add("//server/share/x", "1"));
        shapes.put("empty segment", good().add("static//x.js", "1"));
        shapes.put("symlink", good().link("static/passwd", "/etc/passwd"));
        shapes.put("symlink to a folder then a file through it", good().link("static/up", "..").add("static/up/x", "1"));
        for (Map.Entry<String, Zips> s : shapes.entrySet()) {
            Response r = upload(s.getValue().bytes());
            r.then().statusCode(allOf(greaterThanOrEqualTo(400), lessThan(500)))
                    .contentType(containsString("application/problem+json"));
            if (r.statusCode() >= 500) {
                throw new AssertionError(s.getKey() + ": " + r.statusCode());
            }
        }
    }

    @Test
    void dotFilesInABundleAreNeitherUnpackedNorServed() {
        upload(good().add("static/.git/config", "[remote] url=secret").add("static/.env", "SECRET=1").add("static/app.js", "ok").bytes())
                .then().statusCode(200).body("files", org.hamcrest.Matchers.equalTo(3));
        io.restassured.RestAssured.given().get("/experiments/" + SLUG + "/static/app.js").then().statusCode(200);
        io.restassured.RestAssured.given().get("/experiments/" + SLUG + "/static/.git/config").then().statusCode(404);
        io.restassured.RestAssured.given().get("/experiments/" + SLUG + "/static/.env").then().statusCode(404);
    }

    @Test
    void dotFilesOnDiskAreNeverServed() throws java.io.IOException {
        // an experiment folder (or a cache) that holds a .git folder, as a folder experiment copied from a checkout would
        String sha = AdminLogin.as(token).contentType("application/zip").body(good().add("static/app.js", "ok").bytes())
                .post("/admin/api/experiments/" + SLUG + "/bundle").then().statusCode(200).extract().path("sha256");
        java.nio.file.Path stat = java.nio.file.Path.of("target/test-data/bundles", SLUG, sha, "static");
        java.nio.file.Files.createDirectories(stat.resolve(".git"));
        java.nio.file.Files.writeString(stat.resolve(".git/config"), "[remote] url=https://user:secret@example.com");
        java.nio.file.Files.createDirectories(stat.resolve("sub/.hidden"));
        java.nio.file.Files.writeString(stat.resolve("sub/.hidden/x.js"), "hidden");
        java.nio.file.Path link = stat.resolve("cfg");
        java.nio.file.Files.deleteIfExists(link);
        java.nio.file.Files.createSymbolicLink(link, java.nio.file.Path.of(".git/config"));
        io.restassured.RestAssured.given().get("/experiments/" + SLUG + "/static/app.js").then().statusCode(200);
        for (String p : new String[] {".git/config", "sub/.hidden/x.js", "%2egit/config", "cfg"}) {
            io.restassured.RestAssured.given().urlEncodingEnabled(false).get("/experiments/" + SLUG + "/static/" + p)
                    .then().statusCode(404).contentType(containsString("application/problem+json"));
        }
    }
}
