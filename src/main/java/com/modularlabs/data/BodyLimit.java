package com.modularlabs.data;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The data API's JSON body limit, enforced before a single body byte is read: a Content-Length over the limit is
 * a 413, and a write without Content-Length (chunked) is a 411, so no client can stream an unbounded body.
 */
@ApplicationScoped
public class BodyLimit {
    void install(@Observes Router router, DataConfig config) {
        long limit = config.bodyBytes();
        router.routeWithRegex("/experiments/[^/]+/api/.*").order(-100).handler(ctx -> {
            HttpMethod m = ctx.request().method();
            if (m != HttpMethod.POST && m != HttpMethod.PUT && m != HttpMethod.PATCH) {
                ctx.next();
                return;
            }
            String len = ctx.request().getHeader("Content-Length");
            if (len == null) {
                if (ctx.request().getHeader("Transfer-Encoding") != null) {
                    problem(ctx, 411, "Length Required", "Data API writes need a Content-Length of at most " + limit + " bytes");
                    return;
                }
                ctx.next();
                return;
            }
            long n;
            try {
                n = Long.parseLong(len.trim());
            } catch (NumberFormatException e) {
                problem(ctx, 400, "Bad Request", "Invalid Content-Length");
                return;
            }
            if (n > limit) {
                problem(ctx, 413, "Payload Too Large", "The request body is larger than " + limit + " bytes");
                return;
            }
            ctx.next();
        });
    }

    private static void problem(io.vertx.ext.web.RoutingContext ctx, int status, String title, String detail) {
        String body = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail
                + "\",\"instance\":\"" + ctx.request().path().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
                .putHeader("Connection", "close").end(body);
    }
}
