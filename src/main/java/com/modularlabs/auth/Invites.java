package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.common.Failure;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Date;
import java.util.List;

/**
 * Admin-issued, one-time invite links: the proof of address that self-registration lacks. Only the SHA-256 of the
 * token is stored (auth_invites, TTL on expires_at). Accepting one sets the password and email_verified=true for
 * that address, creating the account or taking over a self-registered one (whose sessions then end: whoever
 * registered the address first without owning it loses it).
 */
@ApplicationScoped
public class Invites {
    public static final String INVITES = EngineCollections.AUTH_INVITES;
    static final String GONE = "This invite link is invalid, used or expired.";

    @Inject
    UserStore store;
    @Inject
    InviteRepository repo;
    @Inject
    AuthConfig config;
    @Inject
    Sessions sessions;
    @Inject
    IdentityCache cache;

    public record Issued(String token, String email, Date expiresAt) {
    }

    public Uni<Issued> create(String email, String createdBy) {
        String token = Passwords.randomSecret(32);
        Date now = new Date();
        Date expires = new Date(now.getTime() + config.inviteLifetime().toMillis());
        return repo.persist(new InviteRepository.Invite(LoginThrottle.hash(token), email, createdBy, now, expires))
                .map(x -> new Issued(token, email, expires));
    }

    /** The invited address, or null when the token is unknown, used or expired. */
    public Uni<String> peek(String token) {
        if (token == null || token.length() > 128) {
            return Uni.createFrom().nullItem();
        }
        return repo.email(Filters.and(Filters.eq("_id", LoginThrottle.hash(token)), Filters.gt("expires_at", new Date())))
                .map(d -> d == null ? null : d.email());
    }

    /** Consumes the invite (atomically: one use) and sets the account's password; emits the verified user. */
    public Uni<LabsUser> accept(String token, String passwordHash) {
        if (token == null || token.length() > 128) {
            return Uni.createFrom().failure(Failure.notFound(GONE));
        }
        return repo.mongoCollection().findOneAndDelete(Filters.and(Filters.eq("_id", LoginThrottle.hash(token)), Filters.gt("expires_at", new Date())))
                .onItem().ifNull().failWith(() -> Failure.notFound(GONE))
                .chain(inv -> {
                    String email = inv.email();
                    return store.users().findOneAndUpdate(Filters.eq("email", email),
                                    Updates.combine(Updates.set("password_hash", passwordHash), Updates.set("email_verified", true),
                                            Updates.setOnInsert("roles", List.of()), Updates.setOnInsert("is_admin", false),
                                            Updates.setOnInsert("disabled", false), Updates.setOnInsert("created_at", new Date())),
                                    new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER).projection(UserStore.LOGIN_FIELDS))
                            .call(u -> sessions.endAll(UserStore.idString(u.get("_id"))))
                            .call(u -> cache.changed(UserStore.USERS, email))
                            .chain(store::withCasbin);
                });
    }
}
