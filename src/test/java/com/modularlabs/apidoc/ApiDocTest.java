package com.modularlabs.apidoc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 10: GET /experiments/{slug}/api/openapi.json, checked by swagger-parser (parse + validate, refs resolved). */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ApiDocTest {

    static OpenAPI parse(String json) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
        assertTrue(result.getMessages() == null || result.getMessages().isEmpty(), "OpenAPI validation: " + result.getMessages());
        assertNotNull(result.getOpenAPI());
        return result.getOpenAPI();
    }

    static String adminToken() {
        return given().contentType(ContentType.JSON).body(Map.of("email", "admin@example.com", "password", "test-admin-password-1"))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
    }

    @Test
    void clickTrackerDocumentIsValidAndComplete() {
        String json = given().get("/experiments/click_tracker/api/openapi.json").then().statusCode(200)
                .contentType(ContentType.JSON).extract().asString();
        OpenAPI api = parse(json);
        assertEquals("/experiments/click_tracker/api", api.getServers().get(0).getUrl());

        Operation list = api.getPaths().get("/clicks").getGet();
        assertEquals("list_clicks", list.getOperationId());
        assertEquals("public", list.getExtensions().get("x-access-level"));
        assertEquals("admin", api.getPaths().get("/clicks/{id}").getDelete().getExtensions().get("x-access-level"));

        // the collection's JSON Schema is in the document schema
        Schema<?> clicks = api.getComponents().getSchemas().get("clicks");
        Schema<?> manifestPart = clicks.getAllOf().get(0);
        assertEquals(List.of("button"), manifestPart.getRequired());
        assertEquals(List.of("red", "green", "blue", "orange"), ((Schema<?>) manifestPart.getProperties().get("button")).getEnum());

        // the named query with its typed parameter
        Operation query = api.getPaths().get("/_queries/clicks_by_button").getGet();
        Parameter button = query.getParameters().get(0);
        assertEquals("button", button.getName());
        assertEquals("string", button.getSchema().getType());
        assertEquals(32, button.getSchema().getMaxLength());
    }

    @Test
    void notesDocumentHasOwnerLevelsTypedParamsAndSearch() {
        String json = given().auth().oauth2(adminToken()).get("/experiments/notes/api/openapi.json").then().statusCode(200)
                .extract().asString();
        OpenAPI api = parse(json);
        assertEquals("owner", api.getPaths().get("/notes/{id}").getPatch().getExtensions().get("x-access-level"));
        assertEquals("user", api.getPaths().get("/notes").getPost().getExtensions().get("x-access-level"));
        assertNotNull(api.getPaths().get("/_search/notes").getGet(), "text search of the text-indexed collection");
        Parameter limit = api.getPaths().get("/_queries/search_notes").getGet().getParameters().stream()
                .filter(p -> p.getName().equals("limit")).findFirst().orElseThrow();
        assertEquals("integer", limit.getSchema().getType());
        assertEquals(50, limit.getSchema().getMaximum().intValue());
        // auth_required: every operation names a security requirement
        assertTrue(api.getPaths().get("/notes").getGet().getSecurity().stream().anyMatch(s -> s.containsKey("bearer")));
    }

    @Test
    void sameAccessRulesAsTheDataApi() {
        given().get("/experiments/no_such_experiment/api/openapi.json").then().statusCode(404).contentType("application/problem+json");
        int data = given().get("/experiments/notes/api/notes").then().extract().statusCode();
        given().get("/experiments/notes/api/openapi.json").then().statusCode(data);
        assertEquals(401, data);
    }

    @Test
    void aPageRendersItWithTheServicesOwnScript() {
        given().get("/experiments/click_tracker/api/openapi.html").then().statusCode(200).contentType(ContentType.HTML)
                .body(containsString("/apidoc/viewer.js")).body(containsString("openapi.json"));
        given().get("/apidoc/viewer.js").then().statusCode(200).body(containsString("x-access-level"));
    }
}
