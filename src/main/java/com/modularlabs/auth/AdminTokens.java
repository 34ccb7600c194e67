package com.modularlabs.auth;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** For the admin templates: {inject:adminTokens.current} renders this session's X-Labs-Admin-Token value. */
@Named("adminTokens")
@RequestScoped
public class AdminTokens {
    @Inject
    AdminOriginGuard guard;
    @Inject
    CurrentVertxRequest request;

    public String current() {
        return request.getCurrent() == null ? "" : guard.tokenFor(request.getCurrent().request());
    }
}
