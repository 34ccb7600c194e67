package com.modularlabs.functions;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service level: only the experiment's functions, with the data token the engine passes them, reach a
 * service collection; browsers (anonymous, users, admins) cannot through any route, and the token is good
 * nowhere else.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ServiceLevelTest {
    @Inject
    Database database;

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    String vaultId;

    @BeforeEach
    void setUp() throws Exception {
        FunctionTestSupport.fake(configs, registry);
        vaultId = new ObjectId().toHexString();
        database.get().getCollection("t_fn_vault").insertOne(new Document("_id", new ObjectId(vaultId))
                .append("experiment_id", "t_fn").append("hidden", "ace-of-spades").append("created_by", null))
                .await().atMost(Duration.ofSeconds(10));
        database.get().getCollection("t_fn_items").insertOne(new Document("experiment_id", "t_fn").append("k", 1))
                .await().atMost(Duration.ofSeconds(10));
        database.get().getCollection("t_fn_other_items").insertOne(new Document("experiment_id", "t_fn_other").append("k", 1))
                .await().atMost(Duration.ofSeconds(10));
    }

    private static RequestSpecification as(String token) {
        RequestSpecification r = given().contentType("application/json");
        return token == null ? r : r.auth().oauth2(token);
    }

    @Test
    void browsersReachAServiceCollectionThroughNoRoute() {
        String admin = FunctionTestSupport.token(FunctionTestSupport.ADMIN, FunctionTestSupport.ADMIN_PW);
        String user = FunctionTestSupport.user(List.of())[1];
        for (String t : new String[] {null, user, admin}) {
            as(t).get("/experiments/t_fn/api/vault").then().statusCode(403).contentType("application/problem+json");
            as(t).get("/experiments/t_fn/api/vault/" + vaultId).then().statusCode(403);
            as(t).body("{\"hidden\": \"mine\"}").post("/experiments/t_fn/api/vault").then().statusCode(403);
            as(t).body("{\"$set\": {\"hidden\": \"x\"}}").patch("/experiments/t_fn/api/vault/" + vaultId).then().statusCode(403);
            as(t).body("{\"$set\": {\"hidden\": \"x\"}}").patch("/experiments/t_fn/api/vault/" + new ObjectId() + "?upsert=true").then().statusCode(403);
            as(t).body("{\"hidden\": \"x\"}").put("/experiments/t_fn/api/vault/" + vaultId).then().statusCode(403);
            as(t).delete("/experiments/t_fn/api/vault/" + vaultId).then().statusCode(403);
            as(t).get("/experiments/t_fn/api/_queries/vaultAll").then().statusCode(403);
            as(t).get("/experiments/t_fn/api/_queries/lookupVault").then().statusCode(403);
            as(t).get("/experiments/t_fn_other/api/_shared/t_fn/vault").then().statusCode(403);
            as(t).get("/experiments/t_fn_other/api/_queries/unionVault").then().statusCode(403);
            as(t).get("/experiments/t_fn_other/api/_queries/lookupVault").then().statusCode(403);
        }
        Document stored = database.get().getCollection("t_fn_vault").find(new Document("_id", new ObjectId(vaultId)))
                .collect().first().await().atMost(Duration.ofSeconds(10));
        assertEquals("ace-of-spades", stored.getString("hidden"), "nothing was changed");
    }

    @Test
    void aFunctionReachesItWithItsDataToken() {
        String[] u = FunctionTestSupport.user(List.of());
        given().auth().oauth2(u[1]).contentType("application/json").body("{\"card\": \"K\"}")
                .post("/experiments/t_fn/api/_functions/data").then().statusCode(200)
                .body("write_status", equalTo(201)).body("written.card", equalTo("K"))
                .body("written.created_by", equalTo(u[0])) // stamped with the calling user's stable id
                .body("read_status", equalTo(200)).body("read.items.card", hasItem("K"));
    }

    @Test
    void theDataTokenIsConfinedToItsExperimentsDataApi() {
        String[] u = FunctionTestSupport.user(List.of());
        String dataToken = given().auth().oauth2(u[1]).contentType("application/json").body("{}")
                .post("/experiments/t_fn/api/_functions/userEcho").then().statusCode(200).extract().path("data_token");
        as(dataToken).get("/experiments/t_fn/api/vault").then().statusCode(200);
        as(dataToken).get("/experiments/t_fn/api/vault/" + vaultId).then().statusCode(200).body("hidden", equalTo("ace-of-spades"));
        as(dataToken).get("/experiments/t_fn/api/_queries/lookupVault").then().statusCode(200);
        // another experiment, its shared reads, the admin and auth APIs: refused
        as(dataToken).get("/experiments/t_fn_other/api/items").then().statusCode(401);
        as(dataToken).get("/experiments/t_fn_other/api/_queries/lookupVault").then().statusCode(401);
        as(dataToken).get("/experiments/t_fn/api/_shared/t_fn_other/items").then().statusCode(401);
        as(dataToken).get("/auth/me").then().statusCode(401);
        as(dataToken).get("/admin/api/experiments").then().statusCode(401);
        as(dataToken).get("/experiments/t_fn/api/../../../admin/api/experiments").then().statusCode(401);
    }

    @Test
    void anAdminsDataTokenCarriesNoAdminRights() {
        String admin = FunctionTestSupport.token(FunctionTestSupport.ADMIN, FunctionTestSupport.ADMIN_PW);
        String dataToken = given().auth().oauth2(admin).contentType("application/json").body("{}")
                .post("/experiments/t_fn/api/_functions/adminEcho").then().statusCode(200).extract().path("data_token");
        as(dataToken).body("{}").post("/experiments/t_fn/api/_functions/adminEcho").then().statusCode(403);
        as(dataToken).body("{}").post("/experiments/t_fn/api/_functions/svcEcho").then().statusCode(200);
    }

    @Test
    void aForgedOrAlteredDataTokenIsRefused() {
        String[] u = FunctionTestSupport.user(List.of());
        String dataToken = given().auth().oauth2(u[1]).contentType("application/json").body("{}")
                .post("/experiments/t_fn/api/_functions/userEcho").then().statusCode(200).extract().path("data_token");
        String[] p = dataToken.split("\\.");
        String body = new String(java.util.Base64.getUrlDecoder().decode(p[1])).replace("\"t_fn\"", "\"t_fn_other\"");
        String altered = p[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes()) + "." + p[2];
        as(altered).get("/experiments/t_fn_other/api/items").then().statusCode(401);
        // and a user's own token is no data token
        as(u[1]).get("/experiments/t_fn/api/vault").then().statusCode(403);
    }
}
