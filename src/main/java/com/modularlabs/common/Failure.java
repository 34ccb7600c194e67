package com.modularlabs.common;

import java.util.List;

/**
 * A refusal in domain terms: what went wrong ({@link Kind}), the text shown to the client, and optionally the field
 * errors, how long to wait before retrying and the version a resource has now. Services, repositories and
 * evaluators throw it (or fail a Uni with it) and never name an HTTP status; {@link ProblemMappers} at the edge
 * turns the kind into status, title and headers. The detail reaches the client, so never put secrets in it.
 */
public final class Failure extends RuntimeException {
    /** What went wrong, from the caller's side. */
    public enum Kind {
        /** The request cannot be used as sent (an unreadable value, a missing or unknown parameter). */
        MALFORMED,
        /** Well-formed input that breaks a rule; the field errors say where. */
        INVALID,
        /** No valid login or token. */
        UNAUTHENTICATED,
        /** Known caller, not allowed. */
        FORBIDDEN,
        NOT_FOUND,
        /** Clashes with the current state (a duplicate, a concurrent change, a state that does not allow it). */
        CONFLICT,
        /** Existed once and will not come back. */
        GONE,
        /** A change that must name the version it applies to did not. */
        PRECONDITION_REQUIRED,
        /** The version named is not the current one. */
        PRECONDITION_FAILED,
        /** Over a size limit. */
        TOO_LARGE,
        /** Too many attempts by this caller. */
        RATE_LIMITED,
        /** The service or a dependency cannot take the request now (outage, overload, paused, not configured). */
        UNAVAILABLE,
        /** An upstream (an experiment's function) did not answer in time. */
        TIMED_OUT,
        /** An upstream failed or answered something unusable. */
        UPSTREAM_FAILED,
        /**
         * An upstream refused the request with its own 4xx problem, passed on as it came: the status and title are
         * the upstream's, carried explicitly ({@link #upstreamStatus()}), because the edge cannot derive them.
         */
        UPSTREAM_REFUSED
    }

    private final Kind kind;
    private final List<FieldError> errors;
    private final Long retryAfterSeconds;
    private final String currentVersion;
    private final int upstreamStatus;
    private final String upstreamTitle;

    private Failure(Kind kind, String detail, List<FieldError> errors, Long retryAfterSeconds, String currentVersion,
            int upstreamStatus, String upstreamTitle) {
        super(detail, null, false, false); // no stack trace: this is control flow, not a bug
        this.kind = kind;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
        this.currentVersion = currentVersion;
        this.upstreamStatus = upstreamStatus;
        this.upstreamTitle = upstreamTitle;
    }

    public static Failure of(Kind kind, String detail, List<FieldError> errors) {
        if (kind == Kind.UPSTREAM_REFUSED) {
            throw new IllegalArgumentException("use upstreamRefused: it needs the upstream's status and title");
        }
        return new Failure(kind, detail, errors, null, null, 0, null);
    }

    public static Failure malformed(String detail) {
        return of(Kind.MALFORMED, detail, null);
    }

    public static Failure invalid(String detail, List<FieldError> errors) {
        return of(Kind.INVALID, detail, errors);
    }

    public static Failure unauthenticated(String detail) {
        return of(Kind.UNAUTHENTICATED, detail, null);
    }

    public static Failure forbidden(String detail) {
        return of(Kind.FORBIDDEN, detail, null);
    }

    public static Failure notFound(String detail) {
        return of(Kind.NOT_FOUND, detail, null);
    }

    public static Failure conflict(String detail) {
        return of(Kind.CONFLICT, detail, null);
    }

    public static Failure conflict(String detail, List<FieldError> errors) {
        return of(Kind.CONFLICT, detail, errors);
    }

    public static Failure gone(String detail) {
        return of(Kind.GONE, detail, null);
    }

    public static Failure preconditionRequired(String detail) {
        return of(Kind.PRECONDITION_REQUIRED, detail, null);
    }

    public static Failure preconditionFailed(String detail) {
        return of(Kind.PRECONDITION_FAILED, detail, null);
    }

    public static Failure tooLarge(String detail) {
        return of(Kind.TOO_LARGE, detail, null);
    }

    public static Failure tooLarge(String detail, List<FieldError> errors) {
        return of(Kind.TOO_LARGE, detail, errors);
    }

    public static Failure rateLimited(String detail) {
        return of(Kind.RATE_LIMITED, detail, null);
    }

    public static Failure unavailable(String detail) {
        return of(Kind.UNAVAILABLE, detail, null);
    }

    public static Failure timedOut(String detail) {
        return of(Kind.TIMED_OUT, detail, null);
    }

    public static Failure upstreamFailed(String detail) {
        return of(Kind.UPSTREAM_FAILED, detail, null);
    }

    /** The upstream's own refusal (status 400-499 and title as it sent them), passed on to the client. */
    public static Failure upstreamRefused(int status, String title, String detail, List<FieldError> errors) {
        if (status < 400 || status > 499) {
            throw new IllegalArgumentException("an upstream refusal is a 4xx, not " + status);
        }
        return new Failure(Kind.UPSTREAM_REFUSED, detail, errors, null, null, status, title);
    }

    /** The same failure, telling the caller to retry after this many seconds. */
    public Failure retryAfter(long seconds) {
        return new Failure(kind, getMessage(), errors, seconds, currentVersion, upstreamStatus, upstreamTitle);
    }

    /** The same failure, naming the version the resource has now (so the caller can re-read and retry). */
    public Failure currentVersion(String version) {
        return new Failure(kind, getMessage(), errors, retryAfterSeconds, version, upstreamStatus, upstreamTitle);
    }

    public Kind kind() {
        return kind;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** Seconds to wait before retrying, or null when the caller was not told. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The resource's current version, or null. */
    public String currentVersion() {
        return currentVersion;
    }

    /** The upstream's status, for {@link Kind#UPSTREAM_REFUSED} only (0 otherwise). */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    /** The upstream's title, for {@link Kind#UPSTREAM_REFUSED} only. */
    public String upstreamTitle() {
        return upstreamTitle;
    }
}
