package com.modularlabs.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token or session cookie value to verify; {@code source} is "bearer" or "cookie". */
public class LabsTokenRequest extends BaseAuthenticationRequest {
    private final String token;
    private final String source;

    public LabsTokenRequest(String token, String source) {
        this.token = token;
        this.source = source;
    }

    public String token() {
        return token;
    }

    public String source() {
        return source;
    }
}
