package com.modularlabs.observability;

import com.modularlabs.common.HttpConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Seed item 10: gzip only pays off above ~1 KiB. Quarkus compresses every response of the configured media types;
 * this filter marks smaller ones (known Content-Length) as identity so Vert.x leaves them alone.
 */
@ApplicationScoped
public class CompressionThreshold {
    @Inject
    HttpConfig http;

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::threshold);
    }

    void threshold(RoutingContext rc) {
        rc.addHeadersEndHandler(v -> {
            var headers = rc.response().headers();
            String len = headers.get(HttpHeaders.CONTENT_LENGTH);
            if (len != null && !headers.contains(HttpHeaders.CONTENT_ENCODING)) {
                try {
                    if (Long.parseLong(len) < http.compressionMinBytes()) {
                        headers.set(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
                    }
                } catch (NumberFormatException ignored) {
                    // not a length we can judge: let Vert.x decide
                }
            }
        });
        rc.next();
    }
}
