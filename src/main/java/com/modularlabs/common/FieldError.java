package com.modularlabs.common;

import io.quarkus.runtime.annotations.RegisterForReflection;
/** One validation error: a JSON path (e.g. {@code $.collections.notes.read}) and what is wrong there. */
@RegisterForReflection // serialised from Response entities, which Quarkus cannot see at build time
public record FieldError(String path, String message) {
}
