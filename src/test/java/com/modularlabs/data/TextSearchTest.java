package com.modularlabs.data;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: text search on every store, through the bundled notes app (text index on title and body, read level
 * owner). On the test store (no $text) it scans; on a real MongoDB (TEST_MONGO_URI) it uses $text; the results
 * asserted here are the same on both. Users log in through POST /auth/token.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class TextSearchTest {
    static final String SEARCH = "/experiments/notes/api/_search/notes";

    static String token(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token")
                .then().statusCode(200).extract().path("access_token");
    }

    static String newUser() {
        String email = "search-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        given().auth().oauth2(token("admin@example.com", "test-admin-password-1")).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "search-password-1", "roles", List.of()))
                .post("/admin/api/users").then().statusCode(201);
        return token(email, "search-password-1");
    }

    static void note(String token, String title, String body) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("title", title, "body", body))
                .post("/experiments/notes/api/notes").then().statusCode(201);
    }

    @Test
    void findsTheCallersNotesByAnyWordCaseInsensitively() {
        String alice = newUser();
        String bob = newUser();
        String word = "zebra" + UUID.randomUUID().toString().substring(0, 6);
        note(alice, "Groceries", "buy " + word + " milk and (eggs)");
        note(alice, "Meeting", "quarterly planning");
        note(bob, "Bob's " + word, "not Alice's");

        given().auth().oauth2(alice).queryParam("q", word.toUpperCase()).get(SEARCH).then().statusCode(200)
                .body("items.title", equalTo(List.of("Groceries")));
        given().auth().oauth2(alice).queryParam("q", "nothing-like-this " + word).get(SEARCH).then().statusCode(200)
                .body("items.title", equalTo(List.of("Groceries")));
        given().auth().oauth2(bob).queryParam("q", word).get(SEARCH).then().statusCode(200)
                .body("items.title", equalTo(List.of("Bob's " + word)));
    }

    @Test
    void regexCharactersAreLiteral() {
        String alice = newUser();
        note(alice, "Symbols", "a+b (c) [d] .* ^$ |x|");
        for (String q : new String[] {"(c)", "[d]", "a+b", "|x|"}) {
            given().auth().oauth2(alice).queryParam("q", q).get(SEARCH).then().statusCode(200);
        }
        // ".*" is two literal characters, not "anything": only a note containing them may match
        given().auth().oauth2(alice).queryParam("q", "(c)").get(SEARCH).then().statusCode(200)
                .body("items.title", hasItem("Symbols"));
        given().auth().oauth2(newUser()).queryParam("q", ".*").get(SEARCH).then().statusCode(200)
                .body("items", empty());
    }

    @Test
    void sameAccessRulesAsTheDataApiAndProblemsForBadInput() {
        given().queryParam("q", "x").get(SEARCH).then().statusCode(401).contentType("application/problem+json");
        given().queryParam("q", "x").get("/experiments/no_such_experiment/api/_search/notes").then().statusCode(404);
        String user = newUser();
        given().auth().oauth2(user).queryParam("q", "x").get("/experiments/notes/api/_search/nope").then().statusCode(404);
        given().auth().oauth2(user).get(SEARCH).then().statusCode(400).contentType("application/problem+json")
                .body("errors.path", hasItem("q"));
        given().auth().oauth2(user).queryParam("q", "x".repeat(201)).get(SEARCH).then().statusCode(400);
        given().auth().oauth2(user).queryParam("q", "x").queryParam("limit", "0").get(SEARCH).then().statusCode(400)
                .body("errors.path", hasItem("limit"));
        // a collection without a text index: 400 naming the fix, never the database's message
        given().queryParam("q", "blue").get("/experiments/click_tracker/api/_search/clicks").then().statusCode(400)
                .contentType("application/problem+json").body(containsString("text index"))
                .body(not(containsString("MongoDB")));
    }
}
