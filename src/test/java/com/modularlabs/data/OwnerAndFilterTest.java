package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static com.modularlabs.data.DataTestSupport.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.data.DataTestSupport.User;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Owner isolation between users, and the filter / parameter whitelist. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class OwnerAndFilterTest extends DataApiTest {

    @Test
    void usersOnlySeeAndChangeTheirOwnNotes() {
        User ann = DataTestSupport.user("ann");
        User ben = DataTestSupport.user("ben");
        String a = as(ann).body("{\"text\":\"ann's\"}").post("/experiments/t_alpha/api/notes").then().statusCode(201)
                .body("created_by", equalTo(ann.id())).extract().path("_id.$oid");
        String b = as(ben).body("{\"text\":\"ben's\"}").post("/experiments/t_alpha/api/notes").then().statusCode(201)
                .extract().path("_id.$oid");
        anon().body("{\"text\":\"anon\"}").post("/experiments/t_alpha/api/notes").then().statusCode(401);
        anon().get("/experiments/t_alpha/api/notes").then().statusCode(401);

        as(ann).queryParam("count", "true").get("/experiments/t_alpha/api/notes").then().statusCode(200)
                .body("items.created_by", everyItem(equalTo(ann.id()))).body("items._id.$oid", hasItem(a))
                .body("items._id.$oid", not(hasItem(b)));
        // the author field cannot be filtered on by readers who are not admins (it would reveal who wrote what)
        as(ann).queryParam("filter", "{\"created_by\": \"" + ben.id() + "\"}").get("/experiments/t_alpha/api/notes").then()
                .statusCode(400).body("errors.path", hasItem("filter.created_by"));
        as(ann).get("/experiments/t_alpha/api/notes/" + b).then().statusCode(404);
        as(ann).body("{\"$set\":{\"text\":\"hacked\"}}").patch("/experiments/t_alpha/api/notes/" + b).then().statusCode(404);
        as(ann).body("{\"text\":\"hacked\"}").put("/experiments/t_alpha/api/notes/" + b).then().statusCode(404);
        as(ann).delete("/experiments/t_alpha/api/notes/" + b).then().statusCode(404);
        Document bens = DataTestSupport.raw("t_alpha_notes", new Document("_id", new ObjectId(b)));
        assertEquals("ben's", bens.getString("text"));
        // ben may change and delete his own
        as(ben).body("{\"$set\":{\"text\":\"edited\"}}").patch("/experiments/t_alpha/api/notes/" + b).then().statusCode(200)
                .body("text", equalTo("edited"));
        as(ben).delete("/experiments/t_alpha/api/notes/" + b).then().statusCode(204);
        assertEquals(0, DataTestSupport.count("t_alpha_notes", new Document("_id", new ObjectId(b))));
        assertEquals(1, DataTestSupport.count("t_alpha_notes", new Document("_id", new ObjectId(a))));
    }

    @Test
    void adminSeesEveryOwnerDocument() {
        DataTestSupport.insertRaw("t_alpha_notes", List.of(new Document("experiment_id", "t_alpha").append("created_by", "cy@x")
                .append("text", "cy's")));
        as(DataTestSupport.admin()).queryParam("filter", "{\"created_by\": \"cy@x\"}").get("/experiments/t_alpha/api/notes")
                .then().statusCode(200).body("items.created_by", hasItem("cy@x"));
    }

    @Test
    void everyRefusedOperatorIsA400NamingItsPath() {
        String[][] cases = {
                {"{\"$where\": \"sleep(1000)\"}", "filter.$where"},
                {"{\"$expr\": {\"$gt\": [\"$a\", 1]}}", "filter.$expr"},
                {"{\"$jsonSchema\": {}}", "filter.$jsonSchema"},
                {"{\"$text\": {\"$search\": \"x\"}}", "filter.$text"},
                {"{\"$comment\": \"x\"}", "filter.$comment"},
                {"{\"a\": {\"$function\": {\"body\": \"x\", \"args\": [], \"lang\": \"js\"}}}", "filter.a.$function"},
                {"{\"a\": {\"$accumulator\": {}}}", "filter.a.$accumulator"},
                {"{\"a\": {\"$where\": \"1\"}}", "filter.a.$where"},
                {"{\"a\": {\"$mod\": [2, 0]}}", "filter.a.$mod"},
                {"{\"a\": {\"$bogus\": 1}}", "filter.a.$bogus"},
                {"{\"$and\": [{\"a\": 1}, {\"$or\": [{\"$where\": \"1\"}]}]}", "filter.$and[1].$or[0].$where"},
                {"{\"a\": {\"$elemMatch\": {\"$expr\": {}}}}", "filter.a.$elemMatch.$expr"},
                {"{\"a\": {\"$not\": {\"$where\": \"1\"}}}", "filter.a.$not.$where"},
                {"{\"a\": {\"$in\": [{\"$where\": \"1\"}]}}", "filter.a.$in[0].$where"},
                {"{\"a\": {\"$regex\": \"" + "a".repeat(1001) + "\"}}", "filter.a.$regex"},
                {"{\"a\": {\"$regex\": \"x\", \"$options\": \"$\"}}", "filter.a.$options"},
        };
        for (String[] c : cases) {
            anon().queryParam("filter", c[0]).get("/experiments/t_alpha/api/items").then().statusCode(400)
                    .contentType("application/problem+json").body("errors.path", hasItem(c[1]));
        }
        // depth > 10
        String deep = "{\"a\": 1}";
        for (int i = 0; i < 11; i++) {
            deep = "{\"$and\": [" + deep + "]}";
        }
        anon().queryParam("filter", deep).get("/experiments/t_alpha/api/items").then().statusCode(400);
        // malformed JSON / Extended JSON / non-object
        anon().queryParam("filter", "{\"a\": ").get("/experiments/t_alpha/api/items").then().statusCode(400).body("errors.path", hasItem("$"));
        anon().queryParam("filter", "{\"a\": {\"$oid\": \"zz\"}}").get("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().queryParam("filter", "[1]").get("/experiments/t_alpha/api/items").then().statusCode(400);
        // other parameters
        anon().queryParam("sort", "a,b,c,d,e,f,g,h,i,j,k").get("/experiments/t_alpha/api/items").then().statusCode(400)
                .body("errors.path", hasItem("sort"));
        anon().queryParam("sort", "$where").get("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().queryParam("limit", "1001").get("/experiments/t_alpha/api/items").then().statusCode(400).body("errors.path", hasItem("limit"));
        anon().queryParam("limit", "abc").get("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().queryParam("fields", "a,-b").get("/experiments/t_alpha/api/items").then().statusCode(400).body("errors.path", hasItem("fields"));
        anon().queryParam("after", "garbage").get("/experiments/t_alpha/api/items").then().statusCode(400).body("errors.path", hasItem("after"));
    }

    @Test
    void allowedOperatorsWork() {
        anon().body("[{\"kind\":\"op\",\"n\":1,\"tags\":[\"a\",\"b\"],\"name\":\"Apple\"},{\"kind\":\"op\",\"n\":5,\"tags\":[\"b\"],\"name\":\"banana\"},"
                + "{\"kind\":\"op\",\"n\":9,\"name\":\"cherry\",\"sub\":[{\"x\":1},{\"x\":7}]}]").post("/experiments/t_alpha/api/items")
                .then().statusCode(201).body("count", equalTo(3));
        String[][] cases = {
                {"{\"kind\":\"op\",\"n\":{\"$gte\":5}}", "2"},
                {"{\"kind\":\"op\",\"n\":{\"$in\":[1,9]}}", "2"},
                {"{\"kind\":\"op\",\"$or\":[{\"n\":1},{\"n\":{\"$gt\":8}}]}", "2"},
                {"{\"kind\":\"op\",\"tags\":{\"$all\":[\"a\",\"b\"]}}", "1"},
                {"{\"kind\":\"op\",\"tags\":{\"$size\":1}}", "1"},
                {"{\"kind\":\"op\",\"tags\":{\"$exists\":false}}", "1"},
                {"{\"kind\":\"op\",\"name\":{\"$regex\":\"^a\",\"$options\":\"i\"}}", "1"},
                {"{\"kind\":\"op\",\"n\":{\"$not\":{\"$gt\":4}}}", "1"},
                {"{\"kind\":\"op\",\"sub\":{\"$elemMatch\":{\"x\":{\"$gt\":5}}}}", "1"},
                {"{\"kind\":\"op\",\"$nor\":[{\"n\":1}]}", "2"},
                {"{\"kind\":\"op\",\"n\":{\"$type\":\"number\"}}", "3"},
        };
        for (String[] c : cases) {
            anon().queryParam("filter", c[0]).queryParam("count", "true").get("/experiments/t_alpha/api/items").then()
                    .statusCode(200).body("count", equalTo(Integer.parseInt(c[1]))).body("items", hasSize(Integer.parseInt(c[1])));
        }
        // projection pushed down: only requested fields (+_id)
        anon().queryParam("filter", "{\"kind\":\"op\"}").queryParam("fields", "name").queryParam("sort", "-n")
                .get("/experiments/t_alpha/api/items").then().statusCode(200)
                .body("items[0].name", equalTo("cherry")).body("items[0].n", Matchers.nullValue())
                .body("items[0].experiment_id", Matchers.nullValue());
        anon().queryParam("filter", "{\"kind\":\"op\"}").queryParam("fields", "-tags,-sub").get("/experiments/t_alpha/api/items").then()
                .statusCode(200).body("items.tags", everyItem(Matchers.nullValue()));
    }
}
