package com.modularlabs.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token or session cookie value to verify; {@code source} is "bearer" or "cookie". */
public class LabsTokenRequest extends BaseAuthenticationRequest {
    private final String token;
    private final String source;
    private final boolean withoutAdmin;

    public LabsTokenRequest(String token, String source) {
        this(token, source, false);
    }

    /** withoutAdmin: the identity gets every role but admin (a session cookie on an experiment's routes). */
    public LabsTokenRequest(String token, String source, boolean withoutAdmin) {
        this.token = token;
        this.source = source;
        this.withoutAdmin = withoutAdmin;
    }

    public boolean withoutAdmin() {
        return withoutAdmin;
    }

    public String token() {
        return token;
    }

    public String source() {
        return source;
    }
}
