package com.modularlabs.functions;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The blackjack sample over HTTP: a hand is played through the functions; the hole card is out of every client's reach. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@QuarkusTestResource(BlackjackFunctionsProcess.class)
class BlackjackTest {
    @jakarta.inject.Inject
    Database database;


    @BeforeEach
    void functions() throws Exception {
        BlackjackFunctionsProcess.ensure(RestAssured.port);
    }

    private static RequestSpecification as(String token) {
        RequestSpecification r = given().contentType("application/json");
        return token == null ? r : r.auth().oauth2(token);
    }

    private static JsonPath deal(String token) {
        return as(token).body("{}").post("/experiments/blackjack/api/_functions/deal").then().statusCode(200).extract().jsonPath();
    }

    private Document deck(String id) {
        return database.get().getCollection("blackjack_decks").find(new Document("_id", id)).collect().first()
                .await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void aHandIsPlayedToTheEnd() {
        String user = FunctionTestSupport.user(List.of())[1];
        JsonPath hand = deal(user);
        String id = hand.getString("id");
        if (hand.getString("status").equals("playing")) { // not a natural blackjack
            assertEquals(2, hand.getList("player").size());
            assertEquals(List.of(hand.getList("dealer").get(0), "??"), hand.getList("dealer"));
            Document hidden = deck(id);
            assertEquals(48, hidden.getList("cards", String.class).size());
            assertEquals(hand.getList("dealer").get(0), hidden.getList("dealer", String.class).get(0));
            JsonPath after = as(user).body("{\"id\": \"" + id + "\"}").post("/experiments/blackjack/api/_functions/hit").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(3, after.getList("player").size());
            if (after.getString("status").equals("playing")) {
                after = as(user).body("{\"id\": \"" + id + "\"}").post("/experiments/blackjack/api/_functions/stand").then()
                        .statusCode(200).extract().jsonPath();
                assertTrue(after.getInt("dealer_total") >= 17);
                assertEquals(hidden.getList("dealer", String.class), after.getList("dealer").subList(0, 2), "the hole card is revealed at the end");
            }
            hand = after;
        }
        assertEquals("done", hand.getString("status"));
        assertTrue(List.of("win", "lose", "push").contains(hand.getString("result")));
        // the hand is over: no more cards, and the hidden deck is gone
        as(user).body("{\"id\": \"" + id + "\"}").post("/experiments/blackjack/api/_functions/hit").then().statusCode(409)
                .contentType("application/problem+json");
        assertEquals(null, deck(id));
        // the player's own record of the hand is readable (hands: owner)
        as(user).get("/experiments/blackjack/api/hands/" + id).then().statusCode(200).body("result", equalTo(hand.getString("result")));
    }

    @Test
    void theHoleCardIsUnreachableFromEveryClientRoute() {
        String[] player = FunctionTestSupport.user(List.of());
        String other = FunctionTestSupport.user(List.of())[1];
        String admin = FunctionTestSupport.token(FunctionTestSupport.ADMIN, FunctionTestSupport.ADMIN_PW);
        JsonPath hand = deal(player[1]);
        org.junit.jupiter.api.Assumptions.assumeTrue(hand.getString("status").equals("playing"), "a natural blackjack ends at once");
        String id = hand.getString("id");
        String hole = deck(id).getList("dealer", String.class).get(1);
        // what the player is shown: the up card and a placeholder
        assertFalse(hand.prettify().contains("\"" + hole + "\""), "the hole card (one deck: unique) is not in the deal answer");
        assertEquals("??", hand.getList("dealer").get(1));
        as(player[1]).get("/experiments/blackjack/api/hands/" + id).then().statusCode(200).body("dealer", hasSize(1));
        as(player[1]).get("/experiments/blackjack/api/hands").then().statusCode(200).body("items.find { it._id == '" + id + "' }.dealer", hasSize(1));
        for (String t : new String[] {null, player[1], other, admin}) {
            int anonymous = t == null ? 401 : 403;
            as(t).get("/experiments/blackjack/api/decks").then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            as(t).get("/experiments/blackjack/api/decks/" + id).then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            as(t).body("{}").post("/experiments/blackjack/api/decks").then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            as(t).body("{\"$set\": {\"dealer\": []}}").patch("/experiments/blackjack/api/decks/" + id).then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            as(t).body("{\"cards\": []}").put("/experiments/blackjack/api/decks/" + id).then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            as(t).delete("/experiments/blackjack/api/decks/" + id).then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            // nor can a browser write the visible hand (only the functions do)
            as(t).body("{\"$set\": {\"result\": \"win\"}}").patch("/experiments/blackjack/api/hands/" + id).then().statusCode(anyOf(equalTo(anonymous), equalTo(403)));
            // other experiments cannot read it through _shared (not in their data_scope)
            as(t).get("/experiments/click_tracker/api/_shared/blackjack/decks").then().statusCode(not(equalTo(200)));
        }
        // another player cannot play this hand: the function reads hands as its caller
        as(other).body("{\"id\": \"" + id + "\"}").post("/experiments/blackjack/api/_functions/stand").then().statusCode(404)
                .contentType("application/problem+json");
        assertEquals(hole, deck(id).getList("dealer", String.class).get(1), "nothing changed");
    }

    @Test
    void theFunctionServiceRefusesCallsNotSignedByTheEngine() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI deal = URI.create("http://127.0.0.1:" + BlackjackFunctionsProcess.port() + "/deal");
        for (String auth : new String[] {null, "Bearer x.y.z",
                "Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJtb2R1bGFyLWxhYnMiLCJleHBlcmltZW50IjoiYmxhY2tqYWNrIn0."}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(deal).POST(HttpRequest.BodyPublishers.ofString("{}"));
            if (auth != null) {
                b.header("Authorization", auth);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode(), String.valueOf(auth));
        }
        // anonymous browsers cannot deal (auth_required, access user)
        as(null).body("{}").post("/experiments/blackjack/api/_functions/deal").then().statusCode(401);
    }
}
