package com.modularlabs.auth;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Logs in through the real /auth/token and /auth/login routes (no test-only authentication). */
public final class AuthFlows {
    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PW = "test-admin-password-1";
    private static final Pattern META = Pattern.compile("<meta name=\"labs-admin-token\" content=\"([^\"]*)\">");

    private AuthFlows() {
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    }

    static Response tokenCall(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token");
    }

    public static String token(String email, String password) {
        return tokenCall(email, password).then().statusCode(200).extract().path("access_token");
    }

    public static String adminToken() {
        return token(ADMIN, ADMIN_PW);
    }

    static String cookieLogin(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password))
                .post("/auth/login").then().statusCode(200).extract().cookie("labs_session");
    }

    static String createUser(String email, String password, List<String> roles) {
        return given().auth().oauth2(adminToken()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", password, "roles", roles))
                .post("/admin/api/users").then().statusCode(201).extract().path("id");
    }

    /** What a browser's top-level navigation to the admin panel sends (Fetch Metadata cannot be set by page script). */
    static io.restassured.specification.RequestSpecification navigation() {
        return given().header("Sec-Fetch-Dest", "document").header("Sec-Fetch-Mode", "navigate").header("Sec-Fetch-Site", "same-origin");
    }

    /** The admin panel's X-Labs-Admin-Token for this session, read from the panel page like admin.js does. */
    static String adminPanelToken(String cookie) {
        String html = navigation().cookie("labs_session", cookie).get("/admin").then().statusCode(200).extract().asString();
        Matcher m = META.matcher(html);
        if (!m.find() || m.group(1).isEmpty()) {
            throw new AssertionError("no admin token in the panel page");
        }
        return m.group(1);
    }
}
