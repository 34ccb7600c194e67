package com.modularlabs.auth;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Strict-Transport-Security on every response the browser received over HTTPS (directly or via a trusted proxy). */
@ApplicationScoped
public class SecurityHeaders {
    @Inject
    AuthConfig config;
    @Inject
    ProxyTrust proxies;

    void install(@Observes Router router) {
        long maxAge = config.hstsMaxAge().toSeconds();
        if (maxAge <= 0) {
            return;
        }
        String value = "max-age=" + maxAge;
        router.route().order(-1001).handler(rc -> {
            if (proxies.https(rc.request())) {
                rc.response().headers().set("Strict-Transport-Security", value);
            }
            rc.next();
        });
    }

}
