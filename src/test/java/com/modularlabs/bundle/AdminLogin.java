package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;

/** Requests as the bootstrap admin, logged in through the real POST /auth/token (not a test identity). */
public final class AdminLogin {
    public static final String EMAIL = "admin@example.com";
    public static final String PASSWORD = "test-admin-password-1";

    private AdminLogin() {
    }

    public static String token() {
        return given().contentType(ContentType.JSON).body(Map.of("email", EMAIL, "password", PASSWORD))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
    }

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token);
    }
}
