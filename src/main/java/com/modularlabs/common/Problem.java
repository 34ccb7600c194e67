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
     * {@link ProblemMappers} cannot answer); callers add their own headers (WWW-Authenticate, Connection) first.
     */
    public static Future<Void> send(RoutingContext rc, int status, String title, String detail) {
        Problem p = new Problem("about:blank", title, status, detail, rc.normalizedPath(), null);
        HttpServerResponse res = rc.response();
        return res.setStatusCode(status).putHeader("Content-Type", MEDIA_TYPE).end(Json.encode(p));
    }
}
