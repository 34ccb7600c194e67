package com.modularlabs.store;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's own collections, in one place. Experiments store their data in {@code <slug>_<collection>}
 * (g.nome's naming, kept for compatibility), so without a check an experiment {@code casbin} with a collection
 * {@code rule} would write into the role grants. Every manifest is checked against this list at every entry
 * point (registry.ManifestValidator); the registry refuses to serve one that slipped through.
 *
 * <p>A new engine collection goes here (and its feature uses the constant); the guard test
 * registry.CollectionNamesTest fails when the database holds an engine collection this class does not reserve.
 */
public final class EngineCollections {
    public static final String USERS = "users";
    /** g.nome's role grants (ptype "g": v0 = user, v1 = role). */
    public static final String CASBIN_RULE = "casbin_rule";
    public static final String SETTINGS = "labs_settings";
    public static final String LOGIN_FAILURES = "login_failures";
    public static final String EXPERIMENTS_CONFIG = "experiments_config";
    public static final String EXPORT_LOGS = "export_logs";
    /** The change feed's polling fallback. */
    public static final String CHANGES = "labs_changes";
    public static final String SEED_MARKERS = "labs_seed_markers";
    /** Server-side sessions of cookies and tokens (auth.Sessions) and admin-issued invites (auth.Invites). */
    public static final String AUTH_SESSIONS = "auth_sessions";
    public static final String AUTH_INVITES = "auth_invites";
    /** The change log of realtime subscriptions and its sequence (store.ChangeLog). */
    public static final String EVENTS = "labs_events";
    public static final String EVENT_SEQ = "labs_event_seq";
    /** ES256 keys of function call assertions (functions.SigningKeys). */
    public static final String SIGNING_KEYS = "labs_signing_keys";
    /** Which experiment owns each physical collection name (its unique _id settles concurrent claims). */
    public static final String COLLECTION_CLAIMS = "labs_collection_claims";
    /** The admin audit log (audit.AuditLog). */
    public static final String AUDIT = "labs_audit";
    /** after_write trigger deliveries waiting or failed (functions.TriggerService). */
    public static final String TRIGGER_DELIVERIES = "labs_trigger_deliveries";
    /** Default GridFS bucket of bundles and exports: collections bundles.files and bundles.chunks. */
    public static final String GRIDFS_BUCKET = "bundles";

    /** Exact names the engine owns (g.nome's and ours). */
    public static final Set<String> NAMES = Set.of(USERS, CASBIN_RULE, SETTINGS, LOGIN_FAILURES, EXPERIMENTS_CONFIG,
            EXPORT_LOGS, CHANGES, SEED_MARKERS, AUTH_SESSIONS, AUTH_INVITES, EVENTS, EVENT_SEQ, SIGNING_KEYS, COLLECTION_CLAIMS,
            AUDIT, TRIGGER_DELIVERIES, GRIDFS_BUCKET + ".files", GRIDFS_BUCKET + ".chunks");

    /**
     * Name families: MongoDB's system.*, GridFS buckets (&lt;bucket&gt;.files/.chunks, whatever the configured
     * bucket: no experiment name may contain a dot), and labs_* and auth_* for engine collections to come.
     */
    public static final List<String> PREFIXES = List.of("system.", GRIDFS_BUCKET + ".", "labs_", "auth_");

    private EngineCollections() {
    }

    /** The physical name of an experiment's collection (g.nome compatible). */
    public static String physical(String slug, String collection) {
        return slug + "_" + collection;
    }

    /** Why no experiment may use this physical name, or empty when one may. */
    public static Optional<String> reservedBy(String physical) {
        if (NAMES.contains(physical)) {
            return Optional.of("that is one of the engine's own collections");
        }
        for (String p : PREFIXES) {
            if (physical.startsWith(p)) {
                return Optional.of("names " + p + "* are reserved for the engine");
            }
        }
        if (physical.indexOf('.') >= 0 || physical.indexOf('$') >= 0 || physical.indexOf('\0') >= 0) {
            return Optional.of("'.', '$' and NUL are reserved for the engine's GridFS buckets and the server");
        }
        return Optional.empty();
    }
}
