package com.modularlabs.common;

import io.quarkus.runtime.annotations.RegisterForReflection;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The RFC 9457 body. {@code errors} lists per-path validation errors. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@RegisterForReflection // serialised from Response entities, which Quarkus cannot see at build time
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {
    public static final String MEDIA_TYPE = "application/problem+json";
}
