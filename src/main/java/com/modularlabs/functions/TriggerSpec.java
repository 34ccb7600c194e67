package com.modularlabs.functions;

/** The functions called on writes to one collection (either may be null). */
public record TriggerSpec(String collection, String beforeWrite, String afterWrite) {
}
