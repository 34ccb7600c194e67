package com.modularlabs.auth;

import com.modularlabs.common.Failure;
import com.modularlabs.common.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Experiment front-ends are untrusted code served on the admin's origin, so "same origin" proves nothing about who
 * calls /admin. With the session cookie (bearer requests are exempt: a page cannot obtain a token without the
 * password), /admin/** requires:
 * <ul>
 * <li>/admin/api/**: the X-Labs-Admin-Token header (an HMAC of this session's cookie, see {@link #tokenFor}), or a
 * top-level GET navigation (the panel's "JSON" links, downloads);</li>
 * <li>admin HTML pages, which carry that token: a top-level navigation (Sec-Fetch-Dest: document), so a page's
 * script cannot fetch() one and read the token.</li>
 * </ul>
 * Every /admin response also gets frame-ancestors 'none' (no same-origin iframe to script into) and
 * Cross-Origin-Opener-Policy: same-origin (a window.open() from an experiment page gets no handle on it).
 * Sec-Fetch-* and X-Frame/COOP are set by the browser and cannot be forged by page script. Browsers without Fetch
 * Metadata (before Chrome 76, Firefox 90, Safari 16.4) cannot open the panel with a cookie: fail closed.
 * The threat model is in docs/security.md.
 */
@ApplicationScoped
public class AdminOriginGuard {
    public static final String HEADER = "X-Labs-Admin-Token";

    @Inject
    AuthConfig config;
    @Inject
    TokenService tokens;

    void install(@Observes Router router) {
        router.route("/admin*").order(-999).handler(this::handle);
    }

    /** The admin API token of a session cookie value: useless without that (HttpOnly) cookie, and not stored. */
    public String tokenFor(String cookieValue) {
        if (cookieValue == null || cookieValue.isEmpty() || !tokens.ready()) {
            return "";
        }
        return tokens.derivedKey("admin-api|" + cookieValue);
    }

    /** The token of the current request's session cookie ("" without one). */
    public String tokenFor(HttpServerRequest req) {
        var c = req.getCookie(config.cookieName());
        return c == null ? "" : tokenFor(c.getValue());
    }

    void handle(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        String path = req.path();
        if (!path.equals("/admin") && !path.startsWith("/admin/")) {
            rc.next();
            return;
        }
        rc.response().headers().set("Content-Security-Policy", "frame-ancestors 'none'").set("X-Frame-Options", "DENY")
                .set("Cross-Origin-Opener-Policy", "same-origin").set("X-Content-Type-Options", "nosniff");
        var cookie = req.getCookie(config.cookieName());
        if (cookie == null || cookie.getValue().isEmpty() || LabsAuthMechanism.bearer(rc) != null) {
            rc.next();
            return;
        }
        boolean read = req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD;
        boolean navigation = read && "document".equalsIgnoreCase(req.getHeader("Sec-Fetch-Dest"))
                && "navigate".equalsIgnoreCase(req.getHeader("Sec-Fetch-Mode"));
        boolean ok;
        if (path.startsWith("/admin/api/")) {
            ok = navigation || constantTimeEquals(req.getHeader(HEADER), tokenFor(cookie.getValue()));
        } else {
            // the panel's own script and style sheet hold no secret; its HTML pages do
            ok = navigation || (read && (path.endsWith(".js") || path.endsWith(".css")));
        }
        if (ok) {
            rc.next();
            return;
        }
        Problem.send(rc, Failure.forbidden("Admin requests made with the session cookie "
                + "must come from the admin panel (" + HEADER + " header, or a top-level navigation)."));
    }

    static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null || b.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
