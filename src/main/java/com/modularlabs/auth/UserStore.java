package com.modularlabs.auth;

import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.Database;
import com.modularlabs.store.IndexContributor;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * The users collection (contract section 4) and g.nome's casbin_rule grants, read with projections. Role grants
 * live in users.roles; casbin_rule "g" documents (v0 = user e-mail, v1 = role) and is_admin are honoured too.
 * Users, grants, sessions, invites, login failures and settings have Panache repositories (their indexes are
 * declared there).
 */
@ApplicationScoped
public class UserStore implements IndexContributor {
    public static final String USERS = EngineCollections.USERS;
    public static final String CASBIN = EngineCollections.CASBIN_RULE;
    public static final String SETTINGS = EngineCollections.SETTINGS;
    public static final String FAILURES = EngineCollections.LOGIN_FAILURES;
    /** What login and the identity check read: never more. */
    static final Bson LOGIN_FIELDS = Projections.include("_id", "email", "password_hash", "roles", "is_admin", "disabled", "email_verified");
    static final Bson IDENTITY_FIELDS = Projections.include("_id", "email", "roles", "is_admin", "disabled", "email_verified");
    static final Bson LIST_FIELDS = Projections.include("_id", "email", "roles", "is_admin", "disabled", "email_verified", "created_at");

    @Inject
    Database database;
    @Inject
    UserRepository userRepo;
    @Inject
    CasbinRuleRepository rules;
    @Inject
    SessionRepository sessionRepo;
    @Inject
    InviteRepository inviteRepo;
    @Inject
    LoginFailureRepository failureRepo;

    /** Any collection by name (tests; every auth collection has a repository). */
    ReactiveMongoCollection<Document> coll(String name) {
        return database.collection(name);
    }

    public ReactiveMongoCollection<Document> users() {
        return userRepo.docs();
    }

    ReactiveMongoCollection<Document> casbin() {
        return rules.docs();
    }

    @Override
    public Uni<Void> ensureIndexes() {
        return Uni.join().all(
                userRepo.ensureIndexes(),
                rules.ensureIndexes(),
                failureRepo.ensureIndexes(),
                sessionRepo.ensureIndexes(),
                inviteRepo.ensureIndexes())
                .andCollectFailures().replaceWithVoid();
    }

    public static Object idValue(String id) {
        return id != null && ObjectId.isValid(id) ? new ObjectId(id) : id;
    }

    public static String idString(Object id) {
        return id instanceof ObjectId o ? o.toHexString() : String.valueOf(id);
    }

    public Uni<Document> findForLogin(String email) {
        return users().find(Filters.eq("email", email), new io.quarkus.mongodb.FindOptions().projection(LOGIN_FIELDS).limit(1))
                .collect().first()
                .chain(doc -> doc != null ? Uni.createFrom().item(doc) : findLegacyCase(email));
    }

    /**
     * g.nome stored e-mails as typed (Dave@Example.com): on an exact miss, one case-insensitive match (anchored,
     * quoted regex); two accounts differing only in case are ambiguous and match none.
     */
    Uni<Document> findLegacyCase(String email) {
        return users().find(Filters.regex("email", "^" + java.util.regex.Pattern.quote(email) + "$", "i"),
                        new io.quarkus.mongodb.FindOptions().projection(LOGIN_FIELDS).limit(2).batchSize(2))
                .collect().asList().map(found -> found.size() == 1 ? found.get(0) : null);
    }

    /** Stores a legacy account's e-mail in its normal (lower-case) form, its casbin grants with it; a clash changes nothing. */
    public Uni<Boolean> normalizeStoredEmail(Object id, String stored, String normalized) {
        return users().updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("email", stored)), Updates.set("email", normalized))
                .chain(r -> r.getModifiedCount() == 0 ? Uni.createFrom().item(false)
                        : casbin().updateMany(Filters.and(Filters.eq("ptype", "g"), Filters.eq("v0", stored)), Updates.set("v0", normalized))
                                .replaceWith(true))
                .onFailure(UserStore::duplicateKey).recoverWithItem(false);
    }

    /** Sets the password of {@code email} and makes it an admin, creating the account when absent (recovery). */
    public Uni<Void> resetAdmin(String email, String hash) {
        return users().updateOne(Filters.eq("email", email), Updates.combine(Updates.set("password_hash", hash), Updates.set("is_admin", true),
                        Updates.addToSet("roles", Subjects.ADMIN_ROLE), Updates.set("disabled", false)))
                .chain(r -> r.getMatchedCount() > 0 ? Uni.createFrom().voidItem()
                        : insertIfAbsent(email, hash, List.of(Subjects.ADMIN_ROLE), true).replaceWithVoid());
    }

    /** E-mails of the admin accounts (for the startup log line), at most {@code limit}. */
    public Uni<List<String>> adminEmails(int limit) {
        return userRepo.adminEmails(Filters.or(Filters.eq("is_admin", true), Filters.eq("roles", Subjects.ADMIN_ROLE)), limit)
                .map(found -> found.stream().map(a -> a.email() + (Boolean.TRUE.equals(a.disabled()) ? " (disabled)" : "")).toList());
    }

    /** The identity a token's subject maps to now (null when deleted). */
    public Uni<LabsUser> loadIdentity(String id) {
        return users().find(Filters.eq("_id", idValue(id)), new io.quarkus.mongodb.FindOptions().projection(IDENTITY_FIELDS).limit(1))
                .collect().first()
                .chain(doc -> doc == null ? Uni.createFrom().nullItem() : withCasbin(doc));
    }

    Uni<LabsUser> withCasbin(Document doc) {
        String email = doc.getString("email");
        return rules.grantsOf(email)
                .map(grants -> {
                    Set<String> roles = rolesOf(doc);
                    for (CasbinRuleRepository.Grant g : grants) {
                        String role = Subjects.normalizeRole(g.v1());
                        if (role != null) {
                            roles.add(role);
                        }
                    }
                    return new LabsUser(idString(doc.get("_id")), email, Set.copyOf(roles), Boolean.TRUE.equals(doc.get("disabled")), verified(doc));
                });
    }

    /** Self-registered accounts carry email_verified=false until an invite proves the address; older records (no field) count as verified. */
    static boolean verified(Document doc) {
        return !Boolean.FALSE.equals(doc.get("email_verified"));
    }

    static Set<String> rolesOf(Document doc) {
        Set<String> roles = new LinkedHashSet<>();
        Object raw = doc.get("roles");
        if (raw instanceof List<?> list) {
            for (Object o : list) {
                String r = o instanceof String s ? Subjects.normalizeRole(s) : null;
                if (r != null) {
                    roles.add(r);
                }
            }
        }
        if (Boolean.TRUE.equals(doc.get("is_admin"))) {
            roles.add(Subjects.ADMIN_ROLE);
        }
        return roles;
    }

    /** Inserts; emits false when the e-mail already exists (unique index: safe with several replicas). */
    public Uni<Boolean> insertIfAbsent(String email, String hash, List<String> roles, boolean admin) {
        return insertIfAbsent(email, hash, roles, admin, true);
    }

    public Uni<Boolean> insertIfAbsent(String email, String hash, List<String> roles, boolean admin, boolean verified) {
        Document doc = new Document("email", email).append("password_hash", hash).append("roles", new ArrayList<>(roles))
                .append("is_admin", admin).append("disabled", false).append("email_verified", verified).append("created_at", new Date());
        return users().insertOne(doc).replaceWith(true)
                .onFailure(UserStore::duplicateKey).recoverWithItem(false);
    }

    public static boolean duplicateKey(Throwable t) {
        return t instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY
                || t instanceof com.mongodb.MongoException m && m.getCode() == 11000;
    }

    public Uni<Boolean> anyAdmin() {
        return users().find(Filters.or(Filters.eq("is_admin", true), Filters.eq("roles", Subjects.ADMIN_ROLE)),
                new io.quarkus.mongodb.FindOptions().projection(Projections.include("_id")).limit(1)).collect().first()
                .map(d -> d != null);
    }

    public Uni<List<Document>> list(String after, int limit) {
        return list(after, limit, null);
    }

    /**
     * A keyset page of users, optionally those whose e-mail contains {@code q} (any case) or who hold the role
     * {@code q}. The text is matched literally: every character that is not a letter or digit is escaped, so the
     * pattern is a plain substring search (no client-supplied regex, no backtracking).
     */
    public Uni<List<Document>> list(String after, int limit, String q) {
        List<Bson> and = new java.util.ArrayList<>();
        if (after != null) {
            and.add(Filters.gt("_id", idValue(after)));
        }
        if (q != null && !q.isEmpty()) {
            and.add(Filters.or(Filters.regex("email", literalPattern(q), "i"), Filters.eq("roles", q)));
        }
        Bson filter = and.isEmpty() ? new Document() : and.size() == 1 ? and.get(0) : Filters.and(and);
        return users().find(filter, new io.quarkus.mongodb.FindOptions().projection(LIST_FIELDS).sort(Sorts.ascending("_id"))
                .limit(limit).batchSize(limit)).collect().asList();
    }

    /** {@code text} as a regex matching itself (backslash before every non-alphanumeric; same in PCRE and Java). */
    static String literalPattern(String text) {
        StringBuilder b = new StringBuilder(text.length() * 2);
        text.codePoints().forEach(c -> {
            if (c < 128 && !Character.isLetterOrDigit(c)) {
                b.append('\\');
            }
            b.appendCodePoint(c);
        });
        return b.toString();
    }

    /** Deletes the user's casbin "g" rows whose role reads as {@code role} (any case, with or without "role:"). */
    public Uni<Void> revokeCasbinRole(String email, String role) {
        return casbin().find(Filters.and(Filters.eq("ptype", "g"), Filters.eq("v0", email)),
                        new io.quarkus.mongodb.FindOptions().projection(Projections.include("_id", "v1")).batchSize(1000)).collect().asList()
                .chain(rules -> {
                    List<Object> ids = rules.stream().filter(r -> role.equals(Subjects.normalizeRole(r.getString("v1")))).map(r -> r.get("_id")).toList();
                    return ids.isEmpty() ? Uni.createFrom().voidItem() : casbin().deleteMany(Filters.in("_id", ids)).replaceWithVoid();
                });
    }

    public Uni<Void> dropCasbinGrants(String email) {
        return casbin().deleteMany(Filters.and(Filters.eq("ptype", "g"), Filters.eq("v0", email))).replaceWithVoid();
    }
}
