package com.modularlabs.auth;

import com.modularlabs.store.ChangeFeed;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * Every request's identity is re-checked against the user record through this cache ("auth-users": TTL and size
 * in labs.auth / quarkus.cache.caffeine."auth-users".*). Any change to users or casbin_rule, on any replica, drops
 * it (ChangeFeed); local writers also drop it synchronously via {@link #changed}.
 */
@ApplicationScoped
public class IdentityCache {
    @Inject
    @CacheName("auth-users")
    Cache cache;
    @Inject
    UserStore store;
    @Inject
    ChangeFeed feed;
    @Inject
    Sessions sessions;

    void onStart(@Observes @Priority(150) StartupEvent ev) {
        feed.subscribe(UserStore.USERS, key -> invalidateAll());
        feed.subscribe(UserStore.CASBIN, key -> invalidateAll());
        feed.subscribe(Sessions.SESSIONS, key -> invalidateAll());
    }

    private record Key(String userId, String sid, String use) {
    }

    /** The current user record for a token's subject and session; empty when the user or the session is gone. */
    public Uni<Optional<LabsUser>> get(String userId, String sid, String use) {
        return cache.getAsync(new Key(userId, sid, use), k -> sessions.valid(sid, userId, use)
                .chain(ok -> ok ? store.loadIdentity(userId) : Uni.createFrom().<LabsUser>nullItem()).map(Optional::ofNullable));
    }

    /** The current user record without a session (function data tokens: short-lived, issued per call). */
    public Uni<Optional<LabsUser>> get(String userId) {
        return cache.getAsync(userId, id -> store.loadIdentity(id).map(Optional::ofNullable));
    }

    public void invalidateAll() {
        cache.invalidateAll().subscribe().with(x -> { }, e -> { });
    }

    /** Writers call this after changing users or grants: drops the local cache now and tells the other replicas. */
    public Uni<Void> changed(String collection, String key) {
        return cache.invalidateAll().chain(() -> feed.touch(collection, key).onFailure().recoverWithNull());
    }
}
