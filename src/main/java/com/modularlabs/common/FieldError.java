package com.modularlabs.common;

/** One validation error: a JSON path (e.g. {@code $.collections.notes.read}) and what is wrong there. */
public record FieldError(String path, String message) {
}
