package com.modularlabs.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** The RFC 9457 body. {@code errors} lists per-path validation errors. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@RegisterForReflection // serialised from Response entities, which Quarkus cannot see at build time
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {
    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * Ends a response with this body, for the filters and handlers that run before JAX-RS (where
     * {@link ProblemMappers} cannot answer), with the same status, title and headers it would give the failure;
     * callers add their own headers (WWW-Authenticate, Connection) first.
     */
    public static Future<Void> send(RoutingContext rc, Failure f) {
        int status = ProblemMappers.status(f);
        Problem p = new Problem("about:blank", ProblemMappers.title(f), status, f.getMessage(), rc.normalizedPath(), f.errors());
        HttpServerResponse res = rc.response();
        ProblemMappers.headers(f).forEach(res::putHeader);
        return res.setStatusCode(status).putHeader("Content-Type", MEDIA_TYPE).end(Json.encode(p));
    }
}
