package com.modularlabs.common;

import io.quarkus.security.ForbiddenException;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Path-based permission checks (quarkus.http.auth.permission, e.g. /admin/*) fail before JAX-RS runs, so the
 * ProblemMappers never see them; this failure handler gives their 403 the same problem+json body as every other
 * error instead of an empty one.
 */
@ApplicationScoped
public class SecurityProblems {
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
    }

    void onFailure(RoutingContext rc) {
        if (rc.failure() instanceof ForbiddenException && !rc.response().headWritten()) {
            Problem p = new Problem("about:blank", "Forbidden", 403, "You are not allowed to use " + rc.normalizedPath(),
                    rc.normalizedPath(), null);
            rc.response().setStatusCode(403).putHeader("Content-Type", Problem.MEDIA_TYPE).end(Json.encode(p));
            return;
        }
        rc.next();
    }
}
