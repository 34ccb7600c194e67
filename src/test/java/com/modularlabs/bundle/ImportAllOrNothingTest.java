package com.modularlabs.bundle;

import com.modularlabs.store.Database;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 finding 11: an import that fails after it began replacing documents (a refused document in its second
 * collection, a collision at the config swap) leaves the experiment's documents and config as they were.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ImportAllOrNothingTest {
    @jakarta.inject.Inject
    Database database;

    static final String SLUG = "allornothing";
    static final Duration T = Duration.ofSeconds(30);
    String token;

    @BeforeEach
    void login() {
        token = AdminLogin.token();
    }

    static Zips bundle(String notes, String tags) {
        return new Zips().add("manifest.json", "{\"name\": \"A\", \"slug\": \"" + SLUG + "\", \"collections\": {"
                        + "\"notes\": {\"read\": \"public\"}, \"tags\": {\"read\": \"public\"}}}")
                .add("static/index.html", "<h1>a</h1>").add("data/notes.ndjson", notes).add("data/tags.ndjson", tags);
    }

    Response importZip(byte[] zip) {
        return AdminLogin.as(token).contentType("application/zip").body(zip).post("/admin/api/import");
    }

    List<String> ids(String coll) {
        return database.get().getCollection(SLUG + "_" + coll).find(new Document("experiment_id", SLUG))
                .map(d -> String.valueOf(d.get("_id"))).collect().asList().await().atMost(T).stream().sorted().toList();
    }

    String version() {
        return AdminLogin.as(token).get("/admin/api/experiments/" + SLUG).then().statusCode(200).extract().header("ETag");
    }

    @Test
    void aRefusedDocumentInTheSecondCollectionRestoresTheFirst() {
        importZip(bundle("{\"_id\": \"n1\"}\n{\"_id\": \"n2\"}\n", "{\"_id\": \"t1\"}\n").bytes()).then().statusCode(200);
        String before = version();
        assertEquals(List.of("n1", "n2"), ids("notes"));

        // notes are replaced first (n3), then tags hits a duplicate _id on line 2
        importZip(bundle("{\"_id\": \"n3\"}\n", "{\"_id\": \"t2\"}\n{\"_id\": \"t2\"}\n").bytes())
                .then().statusCode(409).contentType(containsString("application/problem+json"))
                .body("errors.path", hasItem("data/tags.ndjson:2"));

        assertEquals(List.of("n1", "n2"), ids("notes"), "the first collection is restored");
        assertEquals(List.of("t1"), ids("tags"), "the failing collection is restored");
        assertEquals(before, version(), "the config is unchanged");
        io.restassured.RestAssured.given().get("/experiments/" + SLUG + "/api/notes").then().statusCode(200)
                .body(containsString("n1")).body(org.hamcrest.Matchers.not(containsString("n3")));
    }

    @Test
    void anImportWhoseConfigSwapIsRefusedChangesNoDocument() {
        importZip(bundle("{\"_id\": \"k1\"}\n", "").bytes()).then().statusCode(200);
        String before = version();
        // another experiment takes allornothing_x_y first; the next import declares x_y too
        AdminLogin.as(token).contentType("application/zip").body(new Zips().add("manifest.json",
                        "{\"name\": \"B\", \"collections\": {\"y\": {}}}").add("static/index.html", "b").bytes())
                .post("/admin/api/experiments/" + SLUG + "_x/bundle").then().statusCode(200);
        Zips colliding = new Zips().add("manifest.json", "{\"name\": \"A\", \"slug\": \"" + SLUG + "\", \"collections\": {"
                        + "\"notes\": {\"read\": \"public\"}, \"tags\": {}, \"x_y\": {}}}")
                .add("static/index.html", "<h1>a</h1>").add("data/notes.ndjson", "{\"_id\": \"k2\"}\n");
        importZip(colliding.bytes()).then().statusCode(409).contentType(containsString("application/problem+json"))
                .body("errors.message", hasItem(containsString(SLUG + "_x_y")));
        assertEquals(List.of("k1"), ids("notes"));
        assertEquals(before, version());
    }
}
