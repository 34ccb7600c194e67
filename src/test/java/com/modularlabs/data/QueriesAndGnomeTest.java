package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Named queries with typed parameters, and data in g.nome's shape. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class QueriesAndGnomeTest extends DataApiTest {

    @Test
    void namedQueriesRunScopedWithTypedParams() {
        anon().body("[{\"color\":\"mauve\",\"n\":1},{\"color\":\"mauve\",\"n\":2},{\"color\":\"teal\",\"n\":3}]")
                .post("/experiments/t_alpha/api/items").then().statusCode(201);
        // a mauve document of another experiment planted in alpha's collection is not seen
        DataTestSupport.insertRaw("t_alpha_items", List.of(new Document("experiment_id", "t_gamma").append("color", "mauve")));
        anon().queryParam("color", "mauve").get("/experiments/t_alpha/api/_queries/byColor").then().statusCode(200)
                .body("items", hasSize(2)).body("items.experiment_id", everyItem(equalTo("t_alpha")));
        anon().get("/experiments/t_alpha/api/_queries/byColor").then().statusCode(400).body("errors.path", hasItem("color"));
        anon().queryParam("color", "x".repeat(21)).get("/experiments/t_alpha/api/_queries/byColor").then().statusCode(400);
        anon().queryParam("min", "abc").get("/experiments/t_alpha/api/_queries/bigger").then().statusCode(400).body("errors.path", hasItem("min"));
        anon().queryParam("min", "5000").get("/experiments/t_alpha/api/_queries/bigger").then().statusCode(400);
        anon().queryParam("min", "2").get("/experiments/t_alpha/api/_queries/bigger").then().statusCode(200);
        anon().get("/experiments/t_alpha/api/_queries/nope").then().statusCode(404);
    }

    @Test
    void gnomeShapedDocumentsAreReadable() {
        DataTestSupport.insertRaw("t_gnome_clicks", List.of(
                new Document("experiment_id", "t_gnome").append("timestamp", new Date(1_700_000_000_000L)).append("user", "u1"),
                new Document("experiment_id", "t_gnome").append("timestamp", new Date(1_700_000_100_000L)).append("user", "u2"),
                new Document("experiment_id", "click_tracker").append("timestamp", new Date()).append("user", "other")));
        anon().queryParam("sort", "-timestamp").queryParam("count", "true").get("/experiments/t_gnome/api/clicks").then().statusCode(200)
                .body("count", equalTo(2)).body("items[0].user", equalTo("u2"))
                .body("items[0].timestamp.$date", equalTo("2023-11-14T22:15:00Z"));
        // managed_indexes collections default to owner update/delete: anonymous cannot delete
        String id = anon().get("/experiments/t_gnome/api/clicks").then().extract().path("items[0]._id.$oid");
        anon().delete("/experiments/t_gnome/api/clicks/" + id).then().statusCode(401);
    }
}
