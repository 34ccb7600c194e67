package com.modularlabs.store;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * The test database (memory backend over TCP, like {@link MongoTestResource}) pre-filled the way a g.nome database
 * looks before the service first starts: an admin whose password was lost, a user whose e-mail was stored with
 * capitals (and a casbin grant under it), a config that differs from the folder's manifest, with a pre-signed URL.
 */
public class GnomeShapedMongoResource extends MongoTestResource {
    public static final String LOST_ADMIN = "root@example.com";
    public static final String LEGACY_EMAIL = "Dave@Example.com";
    public static final String LEGACY_PASSWORD = "dave-legacy-password-1";
    public static final String SIGNED_URL = "https://bucket.s3.amazonaws.com/runtime.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef0123456789abcdef";

    @Override
    public Map<String, String> start() {
        Map<String, String> props = super.start();
        try (MongoClient c = MongoClients.create(props.get("quarkus.mongodb.connection-string"))) {
            MongoDatabase db = c.getDatabase(props.getOrDefault("quarkus.mongodb.database", "labs_db"));
            db.getCollection("users").insertMany(List.of(
                    new Document("email", LOST_ADMIN).append("password_hash", hash("a-password-nobody-remembers-1")).append("is_admin", true)
                            .append("created_at", new Date()),
                    new Document("email", LEGACY_EMAIL).append("password_hash", hash(LEGACY_PASSWORD)).append("is_admin", false)
                            .append("created_at", new Date())));
            db.getCollection("casbin_rule").insertOne(new Document("ptype", "g").append("v0", LEGACY_EMAIL).append("v1", "editor"));
            db.getCollection("experiments_config").insertOne(new Document("slug", "click_tracker").append("name", "Click Tracker (g.nome)")
                    .append("status", "active").append("auth_required", false).append("runtime_s3_uri", SIGNED_URL)
                    .append("collections", new Document("clicks", new Document("read", "public").append("create", "public"))));
        }
        return props;
    }

    private static String hash(String password) {
        return new String(BCrypt.withDefaults().hash(4, password.toCharArray()), StandardCharsets.UTF_8);
    }
}
