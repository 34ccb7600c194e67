package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.TestSecurity;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestSecurity(user = "admin@example.com", roles = "admin")
class ExportImportTest {
    MongoClient mongo = TestMongo.client();
    @ConfigProperty(name = "quarkus.mongodb.database")
    String db;

    MongoCollection<Document> notes() {
        return mongo.getDatabase(db).getCollection("rt_notes");
    }

    List<BsonDocument> mine() {
        List<BsonDocument> out = new ArrayList<>();
        mongo.getDatabase(db).getCollection("rt_notes", BsonDocument.class).find(Filters.eq("experiment_id", "rt"))
                .sort(Sorts.ascending("_id")).batchSize(100).forEach(out::add);
        return out;
    }

    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    byte[] export(String slug) throws Exception {
        Response started = given().post("/admin/api/experiments/" + slug + "/exports");
        started.then().statusCode(202).body("status", equalTo("queued"));
        String id = started.jsonPath().getString("id");
        String status = null;
        for (int i = 0; i < 100 && !"done".equals(status); i++) {
            Thread.sleep(100);
            status = given().get("/admin/api/exports/" + id).then().statusCode(200).extract().path("status");
            assertFalse("failed".equals(status), "export failed");
        }
        assertEquals("done", status);
        given().get("/admin/api/exports/" + id).then().body("percent", equalTo(100)).body("documents", equalTo(4));
        Response dl = given().get("/admin/api/exports/" + id + "/download");
        dl.then().statusCode(200).contentType("application/zip");
        byte[] zip = dl.asByteArray();
        assertEquals(Long.parseLong(dl.header("Content-Length")), zip.length);
        assertEquals(dl.header("X-Checksum-SHA256"), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip)));
        given().get("/admin/api/experiments/" + slug + "/exports").then().statusCode(200).body("items[0].id", equalTo(id));
        return zip;
    }

    @Test
    void roundTripIsLosslessAndExportHoldsOnlyThisExperiment() throws Exception {
        given().contentType("application/zip").body(Zips.bundle("rt", "Round trip", "<p>rt</p>").bytes())
                .post("/admin/api/experiments/rt/bundle").then().statusCode(200);
        notes().deleteMany(new Document());
        Date when = new Date(1700000000123L);
        for (int i = 0; i < 4; i++) {
            notes().insertOne(new Document("_id", new ObjectId()).append("experiment_id", "rt").append("i", i)
                    .append("when", when).append("price", new Decimal128(new BigDecimal("12345.6789" + i)))
                    .append("blob", new Binary(new byte[] {1, 2, (byte) i, (byte) 0xff}))
                    .append("uuid", new BsonBinary(BsonBinarySubType.UUID_STANDARD, new byte[16]))
                    .append("long", 1L << 40).append("nested", new Document("a", List.of(1, 2.5, "x"))));
        }
        // another experiment's documents in the same physical collection, and an undeclared collection
        notes().insertOne(new Document("experiment_id", "intruder").append("secret", "never exported"));
        mongo.getDatabase(db).getCollection("rt_notes_extra").insertOne(new Document("experiment_id", "rt").append("secret", "undeclared"));
        List<BsonDocument> before = mine();
        assertEquals(4, before.size());

        byte[] zip = export("rt");
        Map<String, byte[]> files = unzip(zip);
        assertTrue(files.containsKey("manifest.json") && files.containsKey("static/index.html") && files.containsKey("README.md"));
        String ndjson = new String(files.get("data/notes.ndjson"), StandardCharsets.UTF_8);
        assertEquals(4, ndjson.lines().count());
        assertFalse(ndjson.contains("intruder") || ndjson.contains("never exported") || ndjson.contains("undeclared"));
        assertTrue(ndjson.contains("$numberDecimal") && ndjson.contains("$oid") && ndjson.contains("$binary") && ndjson.contains("$numberLong"));
        for (byte[] content : files.values()) {
            assertFalse(new String(content, StandardCharsets.UTF_8).contains("never exported"));
        }
        // checksums.sha256 in sha256sum format, and right
        for (String line : new String(files.get("checksums.sha256"), StandardCharsets.UTF_8).split("\n")) {
            String[] parts = line.split("  ", 2);
            assertEquals(parts[0], HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(files.get(parts[1]))), parts[1]);
        }

        // drop, import, identical
        notes().deleteMany(Filters.eq("experiment_id", "rt"));
        given().contentType("application/json").body("{\"status\": \"inactive\"}").post("/admin/api/experiments/rt/status").then().statusCode(200);
        assertEquals(0, mine().size());
        given().contentType("application/zip").body(zip).post("/admin/api/import").then().statusCode(200)
                .body("slug", equalTo("rt")).body("documents.notes", equalTo(4));
        assertEquals(before, mine());
        assertEquals(1, notes().countDocuments(Filters.eq("experiment_id", "intruder")), "other experiments' documents untouched");
        given().get("/admin/api/experiments/rt").then().body("manifest.name", equalTo("Round trip"));
    }

    @Test
    void importRefusesUnsafeArchivesAndUndeclaredData() {
        given().contentType("application/zip").body(Zips.bundle("imp", "x", "x").add("data/ghost.ndjson", "{}\n").bytes())
                .post("/admin/api/import").then().statusCode(400).body("errors[0].path", equalTo("data/ghost.ndjson"));
        given().contentType("application/zip").body(Zips.bundle("imp", "x", "x").add("../evil", "x").bytes())
                .post("/admin/api/import").then().statusCode(400);
        given().get("/admin/api/experiments/imp").then().statusCode(404);
    }

    @Test
    void unknownExportIs404() {
        given().get("/admin/api/exports/0123456789abcdef01234567").then().statusCode(404);
        given().get("/admin/api/exports/nope").then().statusCode(404);
        given().get("/admin/api/exports/nope/download").then().statusCode(404);
    }
}
