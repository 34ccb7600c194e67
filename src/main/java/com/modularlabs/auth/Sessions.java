package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.quarkus.mongodb.FindOptions;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server-side sessions (auth_sessions): every token names one ("sid" claim), and a token whose session document is
 * gone is refused. Logout deletes one; password change or reset, disable, delete and role revoke delete all of a
 * user's, then {@link IdentityCache#changed} drops the identity caches of every replica (change feed). A TTL index
 * removes expired ones. "use" is "session" (the browser cookie) or "api" (bearer tokens from /auth/token).
 */
@ApplicationScoped
public class Sessions {
    public static final String SESSIONS = EngineCollections.AUTH_SESSIONS;
    public static final String SESSION = "session";
    public static final String API = "api";

    @Inject
    SessionRepository repo;
    @Inject
    TokenService tokens;
    @Inject
    IdentityCache cache;

    /** Records a new session and returns its signed token. */
    public Uni<String> open(LabsUser u, String use, Duration lifetime) {
        String sid = Passwords.randomSecret(24);
        Date now = new Date();
        return repo.persist(new SessionRepository.Session(sid, u.id(), use, now, new Date(now.getTime() + lifetime.toMillis())))
                .map(x -> tokens.issue(u, lifetime, use, sid));
    }

    /** Whether session sid of this user and use exists and has not expired (the TTL monitor runs only once a minute). */
    public Uni<Boolean> valid(String sid, String userId, String use) {
        return repo.exists(Filters.and(Filters.eq("_id", sid), Filters.eq("user_id", userId), Filters.eq("use", use),
                Filters.gt("expires_at", new Date())));
    }

    public Uni<Void> end(String sid) {
        return repo.deleteById(sid).chain(() -> cache.changed(SESSIONS, sid));
    }

    /** Ends one session of a user; false when there is no such session. */
    public Uni<Boolean> end(String userId, String sid) {
        return repo.delete(Filters.and(Filters.eq("_id", sid), Filters.eq("user_id", userId)))
                .call(n -> cache.changed(SESSIONS, sid)).map(n -> n > 0);
    }

    /** Ends every session and token of a user, on every replica. */
    public Uni<Long> endAll(String userId) {
        return repo.delete(Filters.eq("user_id", userId)).call(n -> cache.changed(SESSIONS, userId));
    }

    public Uni<List<Map<String, Object>>> list(String userId) {
        return repo.mongoCollection().find(Filters.and(Filters.eq("user_id", userId), Filters.gt("expires_at", new Date())),
                        new FindOptions().sort(Sorts.descending("created_at")).limit(500).batchSize(500)).collect().asList()
                .map(found -> found.stream().map(d -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", d.id());
                    m.put("use", d.use());
                    m.put("created_at", d.createdAt().toInstant().toString());
                    m.put("expires_at", d.expiresAt().toInstant().toString());
                    return m;
                }).toList());
    }
}
