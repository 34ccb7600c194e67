package com.modularlabs.admin;

import com.modularlabs.auth.AuthFlows;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Gen;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Server-side user search (GET /admin/api/users?q=): a literal substring of the e-mail or a role, in keyset pages. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class UserSearchTest {

    String admin() {
        return AuthFlows.adminToken();
    }

    void create(String token, String email, List<String> roles) {
        given().auth().oauth2(token).contentType("application/json").body(Map.of("email", email, "password", "a long password 1", "roles", roles))
                .post("/admin/api/users").then().statusCode(201);
    }

    List<String> search(String token, String q, int limit) {
        List<String> out = new ArrayList<>();
        String after = null;
        do {
            var req = given().auth().oauth2(token).queryParam("q", q).queryParam("limit", limit);
            if (after != null) {
                req.queryParam("after", after);
            }
            Response r = req.get("/admin/api/users");
            r.then().statusCode(200);
            out.addAll(r.jsonPath().getList("items.email", String.class));
            after = r.jsonPath().getString("next");
        } while (after != null);
        return out;
    }

    @Test
    void matchesLiterallyAcrossAllPages() {
        String token = admin();
        String tag = Long.toString(System.nanoTime(), 36);
        for (int i = 0; i < 7; i++) {
            create(token, "srch" + tag + "." + i + "@example.org", List.of());
        }
        create(token, "srch" + tag + "x9@example.org", List.of("searcher" + tag)); // "." must not match "x"
        create(token, "SRCH" + tag + "+caps@example.org", List.of());

        // seven matches in pages of three (not only within a loaded page)
        List<String> dotted = search(token, "srch" + tag + ".", 3);
        assertEquals(7, dotted.size(), dotted.toString());
        assertTrue(dotted.stream().allMatch(e -> e.contains("srch" + tag + ".")));
        // any case; regex characters are text
        assertEquals(List.of(("srch" + tag + "+caps@example.org").toLowerCase(Locale.ROOT)),
                search(token, "srch" + tag + "+CAPS", 50).stream().map(e -> e.toLowerCase(Locale.ROOT)).toList());
        assertEquals(List.of(), search(token, "srch" + tag + ".*", 50));
        assertEquals(List.of(), search(token, "srch" + tag + "[x.]9", 50));
        // a role, exactly
        assertEquals(List.of("srch" + tag + "x9@example.org"), search(token, "searcher" + tag, 50));
    }

    @Test
    void badSearchesAre400AndAnyTextIsSafe() {
        String token = admin();
        given().auth().oauth2(token).queryParam("q", "x".repeat(101)).get("/admin/api/users").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("100 characters"));
        given().auth().oauth2(token).queryParam("q", "a\u0000b").get("/admin/api/users").then().statusCode(400)
                .contentType("application/problem+json");
        given().queryParam("q", "a").get("/admin/api/users").then().statusCode(401);

        // any printable text: 200, and every hit holds the text (in any case) or the role
        Gen.forAll(40, g -> g.oneIn(3) ? g.string(1, 6, "ab.*+?()[]{}|^$\\@") : g.string(8).replaceAll("[\\x00-\\x1f\\x7f]", ""), q -> {
            Response r = given().auth().oauth2(token).queryParam("q", q).queryParam("limit", 500).get("/admin/api/users");
            String trimmed = q.strip();
            if (trimmed.isEmpty()) {
                r.then().statusCode(200);
                return;
            }
            r.then().statusCode(200);
            List<Map<String, Object>> items = r.jsonPath().getList("items");
            for (Map<String, Object> u : items) {
                String email = String.valueOf(u.get("email")).toLowerCase(Locale.ROOT);
                assertTrue(email.contains(trimmed.toLowerCase(Locale.ROOT)) || ((List<?>) u.get("roles")).contains(trimmed), u + " for " + q);
            }
        });
    }
}
