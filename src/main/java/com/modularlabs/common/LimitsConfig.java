package com.modularlabs.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** labs.limits.* (application.properties "Limits"; env vars in the README): the limits of every JSON request body. */
@ConfigMapping(prefix = "labs.limits")
public interface LimitsConfig {
    /** LABS_MAX_JSON_BODY: every request body except bundle uploads/imports, checked before and while reading. */
    @WithDefault("1048576")
    long jsonBodyBytes();

    /** LABS_MAX_JSON_DEPTH: nesting of objects and arrays (MongoDB's own limit is 100 levels of BSON). */
    @WithDefault("100")
    int jsonDepth();

    /** LABS_MAX_JSON_KEY: characters of one field name. */
    @WithDefault("1024")
    int jsonKeyLength();

    /** LABS_MAX_JSON_NUMBER: digits of one number literal (Jackson's default is 1000; no BSON number needs 100). */
    @WithDefault("100")
    int jsonNumberLength();

    /** These limits as the value the JSON readers use. */
    default SafeJson.Limits toLimits() {
        return new SafeJson.Limits(jsonDepth(), jsonKeyLength(), jsonNumberLength(), jsonBodyBytes());
    }
}
