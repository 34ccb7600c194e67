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
import java.net.URI;

/**
 * CSRF: a state-changing request (POST/PUT/PATCH/DELETE) that carries the session cookie and no bearer token needs
 * a same-origin proof: Origin (or, without it, Sec-Fetch-Site, or Referer) must name this host (the request's
 * authority, after trusted proxy rewriting) or LABS_PUBLIC_BASE_URL. Bearer-token requests are exempt (browsers
 * never attach them on their own). Login and registration forms are also refused when the Origin is foreign
 * (login CSRF). A Vert.x route handler, so it covers every route, not only JAX-RS ones.
 */
@ApplicationScoped
public class CsrfGuard {
    @Inject
    AuthConfig config;

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::handle);
    }

    void handle(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        HttpMethod m = req.method();
        boolean unsafe = m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH || m == HttpMethod.DELETE;
        if (!unsafe || LabsAuthMechanism.bearer(rc) != null) {
            rc.next();
            return;
        }
        boolean cookie = req.getCookie(config.cookieName()) != null;
        boolean authForm = req.path().startsWith("/auth/login") || req.path().startsWith("/auth/register") || req.path().startsWith("/auth/invite/");
        if (!cookie && !authForm) {
            rc.next();
            return;
        }
        Boolean same = sameOrigin(req);
        if (Boolean.TRUE.equals(same) || (same == null && !cookie)) {
            rc.next();
            return;
        }
        Problem.send(rc, Failure.forbidden("Cross-site request refused: a request made with the session cookie must come from this site."));
    }

    /** TRUE same origin, FALSE foreign, null when the request carries no proof at all. */
    Boolean sameOrigin(HttpServerRequest req) {
        String origin = req.getHeader("Origin");
        if (origin != null) {
            return allowed(origin, req);
        }
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null) {
            return site.equalsIgnoreCase("same-origin") || site.equalsIgnoreCase("none");
        }
        String referer = req.getHeader("Referer");
        if (referer != null) {
            return allowed(referer, req);
        }
        return null;
    }

    private boolean allowed(String url, HttpServerRequest req) {
        URI u;
        try {
            u = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (u.getHost() == null || u.getScheme() == null) {
            return false;
        }
        if (config.publicBaseUrl().filter(b -> !b.isBlank()).map(b -> sameAuthority(u, URI.create(b.trim()))).orElse(false)) {
            return true;
        }
        var authority = req.authority();
        if (authority == null) {
            return false;
        }
        int port = authority.port() > 0 ? authority.port() : defaultPort(req.scheme());
        return u.getHost().equalsIgnoreCase(authority.host()) && effectivePort(u) == port;
    }

    private static boolean sameAuthority(URI a, URI b) {
        return a.getHost() != null && b.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && effectivePort(a) == effectivePort(b)
                && a.getScheme().equalsIgnoreCase(b.getScheme());
    }

    private static int effectivePort(URI u) {
        return u.getPort() > 0 ? u.getPort() : defaultPort(u.getScheme());
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }
}
