package com.modularlabs.common;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;

/**
 * The request body limit of every route (labs.limits.json-body-bytes, 1 MiB), enforced before and while reading.
 * Only bundle uploads and imports keep the HTTP cap (quarkus.http.limits.max-body-size) and their own limits.
 * Runs before any other body handler: a Content-Length over the limit is a 413 problem before a byte is read; a
 * body without Content-Length (chunked, HTTP/2) is read here by a body handler that counts the bytes as they arrive
 * and stops at the limit (413, rendered by {@link SecurityProblems}); Quarkus REST and the form reader then use
 * that buffered body instead of reading the connection again.
 */
@ApplicationScoped
public class BodyLimits {
    /** The routes that receive ZIPs: bundle upload and import (admin API). */
    static final Pattern UPLOADS = Pattern.compile("/admin/api/(experiments/[^/]+/bundle|import)/?");

    void install(@Observes Router router, LimitsConfig config) {
        long limit = config.jsonBodyBytes();
        BodyHandler counted = BodyHandler.create(false).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true);
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            if (exempt(rc)) {
                rc.next();
                return;
            }
            String len = rc.request().getHeader("Content-Length");
            if (len != null) {
                long n;
                try {
                    n = Long.parseLong(len.trim());
                } catch (NumberFormatException e) {
                    problem(rc, Failure.malformed("Invalid Content-Length header"));
                    return;
                }
                if (n > limit) {
                    problem(rc, Failure.tooLarge("The request body is larger than " + limit + " bytes"));
                    return;
                }
            } else if (streamed(rc)) {
                counted.handle(rc);
                return;
            }
            rc.next();
        });
    }

    static boolean exempt(RoutingContext rc) {
        return UPLOADS.matcher(rc.normalizedPath()).matches();
    }

    /** A body of undeclared length: chunked in HTTP/1.1, or any HTTP/2 request body without Content-Length. */
    private static boolean streamed(RoutingContext rc) {
        HttpMethod m = rc.request().method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return false;
        }
        return rc.request().getHeader("Transfer-Encoding") != null || rc.request().version() == HttpVersion.HTTP_2;
    }

    static void problem(RoutingContext rc, Failure f) {
        // the unread body stays on the connection: close it rather than drain it
        rc.response().putHeader("Connection", "close");
        Problem.send(rc, f);
    }
}
