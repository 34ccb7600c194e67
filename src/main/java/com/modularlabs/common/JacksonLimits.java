package com.modularlabs.common;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * The JSON limits for Quarkus' ObjectMapper (every POJO request body: login, token, users, roles) and for
 * {@link SafeJson} (every body that becomes BSON): one configuration, one set of limits. Scalars are not coerced
 * ({"email": 1} is a 400 naming $.email, not the string "1").
 */
@Singleton
public class JacksonLimits implements ObjectMapperCustomizer {
    private final LimitsConfig config;

    JacksonLimits(LimitsConfig config) {
        this.config = config;
    }

    /** SafeJson is static (used by static parsers); it gets the configured limits at startup. */
    void onStart(@Observes StartupEvent event) {
        SafeJson.configure(config.toLimits());
    }

    @Override
    public void customize(ObjectMapper mapper) {
        SafeJson.Limits limits = config.toLimits();
        SafeJson.configure(limits);
        mapper.getFactory().setStreamReadConstraints(limits.constraints());
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }
}
