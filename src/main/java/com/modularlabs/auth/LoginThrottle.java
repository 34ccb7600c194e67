package com.modularlabs.auth;

import com.modularlabs.common.Failure;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Date;
import java.util.HexFormat;

/**
 * Login throttle, shared by every replica through login_failures (one counter document per key, TTL on "until").
 * Every attempt is counted BEFORE bcrypt with one atomic findOneAndUpdate($inc, upsert) that returns the new count,
 * so a parallel burst cannot slip past the limit:
 * <ul>
 * <li>per (client address, e-mail): labs.auth.login-max-failures attempts per labs.auth.login-failure-window, then 429;</li>
 * <li>per account, whatever the address: labs.auth.login-account-max-failures attempts per window, then exponential
 * backoff (login-backoff-initial, doubling, up to login-backoff-max): each further attempt must win a conditional update of
 * "next", so exactly one attempt passes per opening.</li>
 * </ul>
 * A successful login deletes both counters. Keys are SHA-256 hashes: no addresses stored in clear.
 */
@ApplicationScoped
public class LoginThrottle {
    @Inject
    LoginFailureRepository failures;
    @Inject
    AuthConfig config;

    static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String key(String ip, String email) {
        return "ip:" + hash(ip + "|" + email);
    }

    static String accountKey(String email) {
        return "account:" + hash(email);
    }

    private static Failure tooMany(long retryMillis, String why) {
        long retry = Math.max(1, (retryMillis + 999) / 1000);
        return Failure.rateLimited(why + "; try again in " + retry + " s.").retryAfter(retry);
    }

    /** Counts one attempt for both keys; fails with a RATE_LIMITED Failure (with retry-after) when either is over its limit. */
    public Uni<Void> attempt(String ip, String email) {
        long now = System.currentTimeMillis();
        return count(key(ip, email), now, 2).chain(d -> {
            if (d.count() > config.loginMaxFailures()) {
                return Uni.createFrom().failure(tooMany(d.until().getTime() - now, "Too many failed logins"));
            }
            return count(accountKey(email), now, 2).chain(a -> backoff(a, now));
        });
    }

    /** The counter after this attempt: $inc on a live window, or a fresh window (an expired one is removed first). */
    private Uni<LoginFailureRepository.Counter> count(String key, long now, int retries) {
        var c = failures.mongoCollection();
        return c.findOneAndUpdate(Filters.and(Filters.eq("_id", key), Filters.gt("until", new Date(now))),
                        Updates.combine(Updates.inc("n", 1), Updates.setOnInsert("until", new Date(now + config.loginFailureWindow().toMillis()))),
                        new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER))
                .onFailure(t -> UserStore.duplicateKey(t) && retries > 0) // an expired window is still there: drop it, count again
                .recoverWithUni(() -> c.deleteOne(Filters.and(Filters.eq("_id", key), Filters.lte("until", new Date(now))))
                        .chain(() -> count(key, now, retries - 1)));
    }

    private Uni<Void> backoff(LoginFailureRepository.Counter account, long now) {
        int over = account.count() - config.loginAccountMaxFailures();
        if (over <= 0) {
            return Uni.createFrom().voidItem();
        }
        long delay = Math.min(config.loginBackoffMax().toMillis(), config.loginBackoffInitial().toMillis() << Math.min(over - 1, 20));
        Date next = new Date(now + delay);
        // one winner per opening: only an attempt that finds "next" passed may move it further
        return failures.mongoCollection().findOneAndUpdate(
                        Filters.and(Filters.eq("_id", account.key()), Filters.or(Filters.exists("next", false), Filters.lte("next", new Date(now)))),
                        Updates.combine(Updates.set("next", next), Updates.max("until", new Date(next.getTime() + config.loginFailureWindow().toMillis()))))
                .chain(won -> {
                    if (won != null) {
                        return Uni.createFrom().voidItem();
                    }
                    return failures.findById(account.key())
                            .chain(d -> {
                                Date n = d == null ? null : d.next();
                                return Uni.createFrom().failure(tooMany(n == null ? 1000 : n.getTime() - now, "Too many failed logins for this account"));
                            });
                });
    }

    public Uni<Void> succeeded(String ip, String email) {
        return failures.delete(Filters.in("_id", key(ip, email), accountKey(email))).replaceWithVoid();
    }
}
