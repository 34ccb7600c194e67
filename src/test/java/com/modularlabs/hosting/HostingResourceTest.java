package com.modularlabs.hosting;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostingResourceTest {

    @Test
    void homeListsActiveExperiments() {
        given().when().get("/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("Click Tracker"));
    }

    @Test
    void experimentHomeServesIndexWithCachingHeaders() {
        String etag = given().when().get("/experiments/click_tracker/").then().statusCode(200)
                .contentType(containsString("text/html")).header("ETag", notNullValue()).header("Cache-Control", containsString("no-cache"))
                .header("Last-Modified", notNullValue()).extract().header("ETag");
        given().header("If-None-Match", etag).when().get("/experiments/click_tracker/").then().statusCode(304);
    }

    @Test
    void traversalIsRefused() {
        given().urlEncodingEnabled(false).when().get("/experiments/click_tracker/static/..%2F..%2Fmanifest.json")
                .then().statusCode(Matchers.anyOf(equalTo(400), equalTo(404)));
        given().urlEncodingEnabled(false).when().get("/experiments/click_tracker/static/%2e%2e/manifest.json")
                .then().statusCode(Matchers.anyOf(equalTo(400), equalTo(404)));
        given().urlEncodingEnabled(false).when().get("/experiments/click_tracker/static/a%5C..%5C..%5Cmanifest.json")
                .then().statusCode(Matchers.anyOf(equalTo(400), equalTo(404)));
        given().when().get("/experiments/click_tracker/static/.hidden").then().statusCode(Matchers.anyOf(equalTo(400), equalTo(404)));
    }

    @Test
    void unknownOrBadSlugIsProblem404() {
        for (String slug : new String[] {"nope", "...", "%2e%2e%2e", "UPPER", "a%00b", "-bad"}) {
            given().urlEncodingEnabled(false).when().get("/experiments/" + slug + "/").then().statusCode(404)
                    .contentType(containsString("application/problem+json"));
            given().urlEncodingEnabled(false).when().get("/api/experiments/" + slug).then().statusCode(404)
                    .contentType(containsString("application/problem+json")).body("status", equalTo(404));
        }
    }
}
