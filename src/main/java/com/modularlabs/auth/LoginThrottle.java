package com.modularlabs.auth;

import com.modularlabs.common.ProblemException;
import com.mongodb.client.model.Filters;
import io.quarkus.mongodb.FindOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * labs.auth.login-max-failures failed logins per (client IP, e-mail) within labs.auth.login-failure-window → 429 with
 * Retry-After. Failures are documents in login_failures (TTL index), so every replica shares the count. The key is a
 * SHA-256 of ip|email: no addresses stored in clear.
 */
@ApplicationScoped
public class LoginThrottle {
    @Inject
    UserStore store;
    @Inject
    AuthConfig config;

    static String key(String ip, String email) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((ip + "|" + email).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails with a 429 ProblemException when the key is over the limit. */
    public Uni<Void> check(String key) {
        long now = System.currentTimeMillis();
        long window = config.loginFailureWindow().toMillis();
        int max = config.loginMaxFailures();
        return store.coll(UserStore.FAILURES).find(Filters.and(Filters.eq("key", key), Filters.gt("at", new Date(now - window))),
                        new FindOptions().projection(Projections.include("at")).sort(Sorts.descending("at")).limit(max))
                .collect().asList().map(recent -> {
                    if (recent.size() >= max) {
                        Date oldest = recent.get(recent.size() - 1).getDate("at");
                        long retry = Math.max(1, (oldest.getTime() + window - now + 999) / 1000);
                        throw new ProblemException(429, "Too Many Requests",
                                "Too many failed logins; try again in " + retry + " s.", List.of(), Map.of("Retry-After", String.valueOf(retry)));
                    }
                    return null;
                }).replaceWithVoid();
    }

    public Uni<Void> failed(String key) {
        return store.coll(UserStore.FAILURES).insertOne(new Document("key", key).append("at", new Date())).replaceWithVoid();
    }

    public Uni<Void> succeeded(String key) {
        return store.coll(UserStore.FAILURES).deleteMany(Filters.eq("key", key)).replaceWithVoid();
    }
}
