package com.modularlabs.functions;

import java.net.URI;
import java.time.Duration;

/**
 * One declared function of an experiment.
 *
 * @param url      the manifest's URL as written (absolute, or a path resolved against the operator's base URL)
 * @param access   data API access level deciding who may call it at /api/_functions/&lt;name&gt;
 */
public record FunctionSpec(String slug, String name, String url, String access, Duration timeout, int maxBodyBytes) {

    /** Absolute target, or null when the URL is a path and the operator gave this experiment no base URL. */
    public URI resolve(String baseUrl) {
        if (url.startsWith("/")) {
            return baseUrl == null ? null : URI.create(stripSlash(baseUrl) + url);
        }
        return URI.create(url);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
