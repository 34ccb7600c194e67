package com.modularlabs.auth;

import com.modularlabs.common.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;
import org.bson.Document;

/**
 * Password login shared by /auth/login and /auth/token: the attempt is counted first (no bcrypt for throttled callers),
 * one projected read, bcrypt on a worker thread (against a dummy hash for unknown users, so both cost the same),
 * the same 401 for unknown user, wrong password and disabled account. Counts labs_auth_logins_total{result}. A login
 * for the admin that this start is still creating waits for it (readiness does not, see AdminBootstrap).
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // registers labs_auth_logins_total{result} at boot, so dashboards see zeros, not gaps
public class LoginService {
    public static final String INVALID = "Invalid e-mail or password.";

    @Inject
    UserStore store;
    @Inject
    Passwords passwords;
    @Inject
    LoginThrottle throttle;
    @Inject
    AdminBootstrap bootstrap;

    /** Longest a login for the bootstrapping admin waits for this start's admin creation (one bcrypt, then an insert). */
    static final Duration ADMIN_CREATION_WAIT = Duration.ofSeconds(10);

    private final Counter success;
    private final Counter failure;
    private final Counter throttled;

    @Inject
    public LoginService(MeterRegistry registry) {
        success = Counter.builder("labs.auth.logins").tag("result", "success").description("Password logins by result").register(registry);
        failure = Counter.builder("labs.auth.logins").tag("result", "failure").register(registry);
        throttled = Counter.builder("labs.auth.logins").tag("result", "throttled").register(registry);
    }

    /** A legacy account found case-insensitively gets its e-mail stored lower-case on this successful login. */
    Uni<Document> normalized(Document doc, String email) {
        String stored = doc.getString("email");
        if (stored == null || stored.equals(email)) {
            return Uni.createFrom().item(doc);
        }
        return store.normalizeStoredEmail(doc.get("_id"), stored, email).onFailure().recoverWithItem(false)
                .map(done -> done ? new Document(doc).append("email", email) : doc);
    }

    public Uni<LabsUser> login(String rawEmail, String password, String clientIp) {
        String email = Subjects.normalizeEmail(rawEmail);
        String account = email != null ? email : String.valueOf(rawEmail).trim().toLowerCase(Locale.ROOT);
        return throttle.attempt(clientIp, account)
                .onFailure(Failure.class).invoke(t -> throttled.increment())
                .chain(() -> bootstrap.settled(email, ADMIN_CREATION_WAIT))
                .chain(() -> email == null ? Uni.createFrom().<Document>nullItem() : store.findForLogin(email))
                .chain(doc -> passwords.verify(password, doc == null ? null : doc.get("password_hash"))
                        .map(ok -> ok && doc != null && !Boolean.TRUE.equals(doc.get("disabled")) ? doc : null))
                .chain(doc -> {
                    if (doc == null) {
                        failure.increment();
                        return Uni.createFrom().failure(Failure.unauthenticated(INVALID));
                    }
                    success.increment();
                    return throttle.succeeded(clientIp, account).onFailure().recoverWithNull().chain(() -> normalized(doc, email))
                            .chain(store::withCasbin);
                });
    }
}
