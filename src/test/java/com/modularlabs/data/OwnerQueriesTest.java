package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static com.modularlabs.data.DataTestSupport.as;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.data.DataTestSupport.User;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Named queries over owner collections see only the caller's documents; parameters are literals. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class OwnerQueriesTest extends DataApiTest {

    @Test
    void ownerQueriesOnlySeeTheCallersDocuments() {
        User ann = DataTestSupport.user("oq-ann");
        User ben = DataTestSupport.user("oq-ben");
        as(ann).body("{\"text\":\"a1\",\"tags\":[\"oq\"]}").post("/experiments/t_alpha/api/notes").then().statusCode(201);
        as(ben).body("{\"text\":\"b1\",\"tags\":[\"oq\"]}").post("/experiments/t_alpha/api/notes").then().statusCode(201);
        as(ann).queryParam("tag", "oq").get("/experiments/t_alpha/api/_queries/notesByTag").then().statusCode(200)
                .body("items", hasSize(1)).body("items[0].text", equalTo("a1"));
        as(ben).queryParam("tag", "oq").get("/experiments/t_alpha/api/_queries/notesByTag").then().statusCode(200)
                .body("items", hasSize(1)).body("items[0].created_by", equalTo(ben.id()));
        anon().queryParam("tag", "oq").get("/experiments/t_alpha/api/_queries/notesByTag").then().statusCode(401);
        // a query declared read:user over an owner collection is still restricted to the caller
        as(ann).queryParam("tag", "oq").get("/experiments/t_alpha/api/_queries/notesAsUser").then().statusCode(200)
                .body("items", hasSize(1)).body("items.created_by", everyItem(equalTo(ann.id())));
        anon().queryParam("tag", "oq").get("/experiments/t_alpha/api/_queries/notesAsUser").then().statusCode(401);
        // admins see all, as for lists
        as(DataTestSupport.admin()).queryParam("tag", "oq").get("/experiments/t_alpha/api/_queries/notesByTag").then().statusCode(200)
                .body("items.text", containsInAnyOrder("a1", "b1"));
    }

    @Test
    void joinedOwnerCollectionsAreRestrictedToTheCaller() {
        User ann = DataTestSupport.user("jn-ann");
        User ben = DataTestSupport.user("jn-ben");
        anon().body("{\"kind\":\"anchor\"}").post("/experiments/t_beta/api/items").then().statusCode(201);
        as(ann).body("{\"text\":\"ja\",\"tags\":[\"joined\"]}").post("/experiments/t_alpha/api/notes").then().statusCode(201);
        as(ben).body("{\"text\":\"jb\",\"tags\":[\"joined\"]}").post("/experiments/t_alpha/api/notes").then().statusCode(201);
        if (!MongoTestResource.embedded()) { // mongo-java-server has no $unionWith; the shape is checked below
            as(ann).get("/experiments/t_beta/api/_queries/alphaNotes").then().statusCode(200)
                    .body("items.findAll { it.text != null }.text", containsInAnyOrder("ja"));
            as(DataTestSupport.admin()).get("/experiments/t_beta/api/_queries/alphaNotes").then().statusCode(200)
                    .body("items.findAll { it.text == 'ja' || it.text == 'jb' }.text", containsInAnyOrder("ja", "jb"));
        }
        as(ann).get("/experiments/t_beta/api/_queries/alphaNotesLookup").then().statusCode(200)
                .body("items[0].notes.text", containsInAnyOrder("ja"));
        anon().get("/experiments/t_beta/api/_queries/alphaNotes").then().statusCode(401);
        anon().get("/experiments/t_beta/api/_queries/alphaNotesLookup").then().statusCode(401);
        as(DataTestSupport.admin()).get("/experiments/t_beta/api/_queries/alphaNotesLookup").then().statusCode(200)
                .body("items[0].notes.text", containsInAnyOrder("ja", "jb"));
    }

    @Test
    void stringParametersNeverBecomeFieldPaths() {
        anon().body("[{\"color\":\"lit-x\",\"password\":\"lit-x\"},{\"color\":\"$password\"}]").post("/experiments/t_alpha/api/items")
                .then().statusCode(201);
        // without {$literal} "$password" would compare color with the password field and match the first document
        anon().queryParam("v", "$password").get("/experiments/t_alpha/api/_queries/exprColor").then().statusCode(200)
                .body("items", hasSize(1)).body("items[0].color", equalTo("$password")).body("items[0].echo", equalTo("$password"));
        anon().queryParam("v", "$$ROOT").get("/experiments/t_alpha/api/_queries/exprColor").then().statusCode(200)
                .body("items", hasSize(0));
        anon().queryParam("v", "lit-x").get("/experiments/t_alpha/api/_queries/exprColor").then().statusCode(200)
                .body("items", hasSize(1)).body("items[0].echo", equalTo("lit-x"));
    }

    @Test
    void substitutionPlacesScopeAndLiterals() {
        List<Document> p = Pipelines.prepare("s", "u@x",
                List.of(Document.parse("{\"$match\": {\"$text\": {\"$search\": {\"$param\": \"q\"}}}}"),
                        Document.parse("{\"$project\": {\"x\": {\"$param\": \"q\"}}}"), Document.parse("{\"$limit\": {\"$param\": \"n\"}}")),
                Map.of("q", "$secret", "n", 5L), (slug, l) -> new Pipelines.Target("s_" + l, slug));
        assertEquals(Document.parse("{\"$match\": {\"$and\": [{\"experiment_id\": \"s\", \"created_by\": \"u@x\"},"
                + " {\"$text\": {\"$search\": \"$secret\"}}]}}"), p.get(0));
        assertEquals(Document.parse("{\"$project\": {\"x\": {\"$literal\": \"$secret\"}}}"), p.get(1));
        assertEquals(new Document("$limit", 5L), p.get(2));
        List<Document> g = Pipelines.prepare("s", "u@x",
                List.of(Document.parse("{\"$geoNear\": {\"near\": [0, 0], \"distanceField\": \"d\", \"query\": {\"a\": 1}}}")),
                Map.of(), (slug, l) -> null);
        assertEquals(Document.parse("{\"$and\": [{\"a\": 1}, {\"experiment_id\": \"s\", \"created_by\": \"u@x\"}]}"),
                g.get(0).get("$geoNear", Document.class).get("query"));
        List<Document> j = Pipelines.prepare("s", null,
                List.of(Document.parse("{\"$unionWith\": {\"coll\": \"o.n\", \"pipeline\": [{\"$match\": {\"t\": {\"$param\": \"q\"}}}]}}"),
                        Document.parse("{\"$graphLookup\": {\"from\": \"o.n\", \"startWith\": \"$a\", \"connectFromField\": \"a\","
                                + " \"connectToField\": \"b\", \"as\": \"g\"}}")),
                Map.of("q", "$x"), (slug, l) -> new Pipelines.Target("o_n", "o", "u@x"));
        assertEquals(Document.parse("{\"coll\": \"o_n\", \"pipeline\": [{\"$match\": {\"experiment_id\": \"o\", \"created_by\": \"u@x\"}},"
                + " {\"$match\": {\"t\": \"$x\"}}]}"), j.get(1).get("$unionWith"));
        assertEquals(Document.parse("{\"experiment_id\": \"o\", \"created_by\": \"u@x\"}"),
                j.get(2).get("$graphLookup", Document.class).get("restrictSearchWithMatch"));
        assertEquals(Document.parse("{\"$match\": {\"experiment_id\": \"s\"}}"), j.get(0));
        List<Document> v = Pipelines.prepare("s", "u@x", List.of(Document.parse("{\"$vectorSearch\": {\"path\": \"e\"}}")), Map.of(),
                (slug, l) -> null);
        assertEquals(Document.parse("{\"experiment_id\": \"s\", \"created_by\": \"u@x\"}"), v.get(0).get("$vectorSearch", Document.class).get("filter"));
    }
}
