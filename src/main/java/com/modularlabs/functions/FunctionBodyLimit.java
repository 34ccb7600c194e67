package com.modularlabs.functions;

import com.modularlabs.registry.ExperimentRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A function's own body limit (max_body_bytes), checked from Content-Length before a byte of the body is read
 * (the data API's filter also applies: no Content-Length on a chunked body is a 411, and its limit bounds all).
 */
@ApplicationScoped
public class FunctionBodyLimit {
    void install(@Observes Router router, ExperimentRegistry registry, FunctionCatalog catalog) {
        router.routeWithRegex(HttpMethod.POST, "/experiments/([^/]+)/api/_functions/([^/]+)").order(-101).handler(ctx -> {
            String len = ctx.request().getHeader("Content-Length");
            FunctionSpec f = registry.snapshot().active(ctx.pathParam("param0")).map(e -> catalog.function(e, ctx.pathParam("param1"))).orElse(null);
            if (f != null && len != null) {
                try {
                    if (Long.parseLong(len.trim()) > f.maxBodyBytes()) {
                        tooLarge(ctx, f);
                        return;
                    }
                } catch (NumberFormatException e) {
                    // the data API's filter answers 400
                }
            }
            ctx.next();
        });
    }

    private static void tooLarge(RoutingContext ctx, FunctionSpec f) {
        ctx.response().setStatusCode(413).putHeader("Content-Type", "application/problem+json").putHeader("Connection", "close")
                .end("{\"type\":\"about:blank\",\"title\":\"Payload Too Large\",\"status\":413,\"detail\":\"The body is larger than function '"
                        + f.name() + "' accepts (" + f.maxBodyBytes() + " bytes)\"}");
    }
}
