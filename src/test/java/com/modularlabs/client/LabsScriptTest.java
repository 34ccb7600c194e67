package com.modularlabs.client;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.startsWith;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** /labs.js and /labs.d.ts: served publicly as a module and its types, with an ETag that answers 304. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class LabsScriptTest {
    @Test
    void scriptIsServedWithAnEtagAndRevalidates() {
        String etag = given().get("/labs.js").then().statusCode(200).contentType(startsWith("text/javascript"))
                .header("Cache-Control", "no-cache").body(containsString("export function createLabs"))
                .extract().header("ETag");
        given().header("If-None-Match", etag).get("/labs.js").then().statusCode(304).body(emptyString());
        given().header("If-None-Match", "\"other\"").get("/labs.js").then().statusCode(200);
        given().get("/labs.d.ts").then().statusCode(200).body(containsString("export class LabsError"));
        // the home page still answers next to it
        given().accept("text/html").get("/").then().statusCode(200);
    }
}
