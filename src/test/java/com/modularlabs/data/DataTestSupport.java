package com.modularlabs.data;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;

/** Test experiments inserted straight into experiments_config, then a registry reload. */
public final class DataTestSupport {
    private static volatile boolean ready;

    private DataTestSupport() {
    }

    static final String ALPHA = """
            {"slug": "t_alpha", "name": "Alpha", "status": "active",
             "collections": {
               "items": {"read": "public", "create": "public", "update": "public", "delete": "public"},
               "notes": {"read": "owner", "create": "user", "update": "owner", "delete": "owner"},
               "secret": {"read": "none", "create": "admin"},
               "docs": {"read": "public", "create": "public", "update": "public", "delete": "public", "max_document_bytes": 2000,
                        "schema": {"type": "object", "required": ["title"],
                                   "properties": {"title": {"type": "string", "maxLength": 10}, "n": {"type": "integer"}}}}
             },
             "queries": {
               "byColor": {"collection": "items", "read": "public",
                           "pipeline": [{"$match": {"color": {"$param": "color"}}}, {"$sort": {"_id": 1}}],
                           "params": {"color": {"type": "string", "required": true, "max_length": 20}}},
               "bigger": {"collection": "items", "read": "public",
                          "pipeline": [{"$match": {"n": {"$gte": {"$param": "min"}}}}, {"$count": "total"}],
                          "params": {"min": {"type": "int", "default": 0, "min": 0, "max": 1000}}},
               "notesByTag": {"collection": "notes", "read": "owner",
                              "pipeline": [{"$match": {"tags": {"$param": "tag"}}}, {"$sort": {"_id": 1}}],
                              "params": {"tag": {"type": "string", "required": true}}},
               "notesAsUser": {"collection": "notes", "read": "user",
                               "pipeline": [{"$match": {"tags": {"$param": "tag"}}}],
                               "params": {"tag": {"type": "string", "required": true}}},
               "exprColor": {"collection": "items", "read": "public",
                             "pipeline": [{"$match": {"$expr": {"$eq": ["$color", {"$param": "v"}]}}},
                                          {"$addFields": {"echo": {"$param": "v"}}}],
                             "params": {"v": {"type": "string", "required": true}}}
             }}""";
    static final String BETA = """
            {"slug": "t_beta", "name": "Beta", "status": "active", "data_scope": ["self", "t_alpha"],
             "collections": {"items": {"read": "public", "create": "public", "update": "public", "delete": "public"}},
             "queries": {"alphaUnion": {"collection": "items", "pipeline": [{"$unionWith": "t_alpha.items"}]},
                         "alphaNotes": {"collection": "items", "read": "public",
                                        "pipeline": [{"$match": {"kind": "anchor"}},
                                                     {"$unionWith": {"coll": "t_alpha.notes", "pipeline": [{"$match": {"tags": "joined"}}]}}]},
                         "alphaNotesLookup": {"collection": "items", "read": "public",
                                        "pipeline": [{"$match": {"kind": "anchor"}},
                                                     {"$lookup": {"from": "t_alpha.notes", "as": "notes",
                                                                  "pipeline": [{"$match": {"tags": "joined"}}]}}]}}}""";
    static final String GAMMA = """
            {"slug": "t_gamma", "name": "Gamma", "status": "active",
             "collections": {"items": {"read": "public", "create": "public", "update": "public", "delete": "public"}}}""";
    static final String GNOME = """
            {"slug": "t_gnome", "name": "g.nome shaped", "status": "active",
             "managed_indexes": {"clicks": [{"name": "ts", "type": "regular", "keys": [["timestamp", -1]]}]},
             "collections": {"clicks": {"read": "public"}}}""";
    static final String BAD_LOOKUP = """
            {"slug": "t_bad_lookup", "name": "Bad lookup", "status": "active",
             "collections": {"items": {}},
             "queries": {"steal": {"collection": "items",
                 "pipeline": [{"$lookup": {"from": "t_alpha.items", "localField": "a", "foreignField": "a", "as": "x"}}]}}}""";
    static final String BAD_STAGES = """
            {"slug": "t_bad_stages", "name": "Bad stages", "status": "active",
             "collections": {"items": {}},
             "queries": {"q": {"collection": "items",
                 "pipeline": [{"$match": {"$where": "1"}}, {"$lookup": {"from": "t_gamma_items", "as": "x", "pipeline": []}},
                              {"$out": "elsewhere"}]}}}""";

    /** Issue 9: what a named query may reach in other experiments (admin-only, owner and auth_required collections). */
    static final String VAULT = """
            {"slug": "t_vault", "name": "Vault", "status": "active",
             "collections": {"secrets": {"read": "admin", "create": "admin"},
                             "mine": {"read": "owner", "create": "user", "update": "owner", "delete": "owner"},
                             "open": {"read": "public", "create": "public", "update": "public"}}}""";
    static final String LOCKED = """
            {"slug": "t_locked", "name": "Locked", "status": "active", "auth_required": true,
             "auth_policy": {"allowed_users": ["nobody@example.org"]},
             "collections": {"open": {"read": "public", "create": "admin"}}}""";
    static final String READER = """
            {"slug": "t_reader", "name": "Reader", "status": "active", "data_scope": ["self", "t_vault", "t_locked"],
             "collections": {"items": {"read": "public", "create": "public"}},
             "queries": {
               "vaultUnion": {"collection": "items", "read": "public", "pipeline": [{"$unionWith": "t_vault.secrets"}]},
               "vaultLookup": {"collection": "items", "read": "public",
                               "pipeline": [{"$limit": 1}, {"$lookup": {"from": "t_vault.secrets", "as": "s", "pipeline": []}}]},
               "lockedUnion": {"collection": "items", "read": "public", "pipeline": [{"$unionWith": "t_locked.open"}]},
               "mineLookup": {"collection": "items", "read": "public",
                              "pipeline": [{"$limit": 1}, {"$lookup": {"from": "t_vault.mine", "as": "m", "pipeline": []}}]},
               "openLookup": {"collection": "items", "read": "public",
                              "pipeline": [{"$limit": 1}, {"$lookup": {"from": "t_vault.open", "as": "o", "pipeline": []}}]},
               "search": {"collection": "items", "read": "public",
                          "pipeline": [{"$match": {"name": {"$regex": {"$param": "q"}}}}],
                          "params": {"q": {"type": "string", "required": true, "max_length": 100}}}}}""";

    public static synchronized void ensure(ExperimentConfigRepository configs, ExperimentRegistry registry) {
        if (ready) {
            return;
        }
        List<Document> docs = List.of(Document.parse(ALPHA), Document.parse(BETA), Document.parse(GAMMA), Document.parse(GNOME),
                Document.parse(BAD_LOOKUP), Document.parse(BAD_STAGES), Document.parse(VAULT), Document.parse(LOCKED), Document.parse(READER));
        for (Document d : docs) {
            configs.raw().deleteOne(new Document("slug", d.getString("slug"))).await().atMost(Duration.ofSeconds(10));
        }
        configs.raw().insertMany(docs).await().atMost(Duration.ofSeconds(10));
        registry.reload().await().atMost(Duration.ofSeconds(30));
        ready = true;
    }

    /** The app's database (test code: static helpers have no injection point). */
    private static io.quarkus.mongodb.reactive.ReactiveMongoDatabase db() {
        return io.quarkus.arc.Arc.container().instance(Database.class).get().get();
    }

    public static Document raw(String physical, Document filter) {
        return db().getCollection(physical).find(filter).collect().first().await().atMost(Duration.ofSeconds(10));
    }

    public static long count(String physical, Document filter) {
        return db().getCollection(physical).countDocuments(filter).await().atMost(Duration.ofSeconds(10));
    }

    public static void insertRaw(String physical, List<Document> docs) {
        db().getCollection(physical).insertMany(docs).await().atMost(Duration.ofSeconds(10));
    }

    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PW = "test-admin-password-1";

    /** A user logged in through the real /auth/token; {@code id} is what the data API stamps into created_by. */
    public record User(String email, String id, String token) {
    }

    /** A new user (created through the admin API, so unique per call) with these roles, logged in. */
    public static User user(String prefix, String... roles) {
        String email = prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        String password = "pw-" + email;
        String id = given().auth().oauth2(token(ADMIN, ADMIN_PW)).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", password, "roles", List.of(roles)))
                .post("/admin/api/users").then().statusCode(201).extract().path("id");
        return new User(email, id, token(email, password));
    }

    /** The bootstrap administrator, logged in. */
    public static User admin() {
        return new User(ADMIN, null, token(ADMIN, ADMIN_PW));
    }

    private static String token(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
    }

    public static RequestSpecification as(User user) {
        RequestSpecification r = given().contentType("application/json");
        return user == null ? r : r.auth().oauth2(user.token());
    }

    public static RequestSpecification anon() {
        return as(null);
    }
}
