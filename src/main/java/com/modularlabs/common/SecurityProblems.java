package com.modularlabs.common;

import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.quarkus.security.ForbiddenException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Path-based permission checks (quarkus.http.auth.permission, e.g. /admin/*) fail before JAX-RS runs, so the
 * ProblemMappers never see them; this failure handler gives their 403 the same problem+json body as every other
 * error instead of an empty one. Body handler and form decoder failures (below JAX-RS too) get problem bodies and
 * no stack trace.
 */
@ApplicationScoped
public class SecurityProblems {
    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
    }

    void onFailure(RoutingContext rc) {
        if (rc.failure() instanceof ForbiddenException && !rc.response().headWritten()) {
            Problem.send(rc, Failure.forbidden("You are not allowed to use " + rc.normalizedPath()));
            return;
        }
        // a body handler over its limit fails the route with 413 and no exception: same problem body as ours
        if (rc.failure() == null && rc.statusCode() == 413 && !rc.response().headWritten()) {
            BodyLimits.problem(rc, Failure.tooLarge("The request body is too large"));
            return;
        }
        // the form decoder (Netty, below JAX-RS) refusing a form body: bad input, not a server error with a trace
        if (rc.failure() instanceof HttpPostRequestDecoder.TooLongFormFieldException
                || rc.failure() instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
            if (!rc.response().headWritten()) {
                BodyLimits.problem(rc, Failure.tooLarge("A form field is too long, or there are too many fields"));
            }
            return;
        }
        if (rc.failure() instanceof HttpPostRequestDecoder.ErrorDataDecoderException) {
            if (!rc.response().headWritten()) {
                BodyLimits.problem(rc, Failure.malformed("The form body cannot be decoded"));
            }
            return;
        }
        rc.next();
    }
}
