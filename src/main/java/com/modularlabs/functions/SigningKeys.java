package com.modularlabs.functions;

import com.modularlabs.store.Database;
import com.modularlabs.store.EngineCollections;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * The engine's ES256 keys for function call assertions, kept in MongoDB ({@value #COLLECTION}) so every replica
 * signs with and publishes the same keys. Rotation without downtime: a new key is inserted with a not_before in
 * the future (published in the JWKS at once, used for signing only from not_before), and an old key stays
 * published until every token it signed has expired. The key id is the key's generation (the newest one's plus
 * one), so replicas racing to rotate insert the same _id and all but one get a duplicate-key error and adopt the winner.
 */
@ApplicationScoped
public class SigningKeys {
    @Inject
    Database database;

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    /** Engine collection of signing keys (listed with the engine's own collections in docs/functions.md). */
    public static final String COLLECTION = EngineCollections.SIGNING_KEYS;

    @Inject
    FunctionsConfig config;

    /** One key as stored. */
    public record Key(String kid, long generation, ECPublicKey publicKey, PrivateKey privateKey, Date notBefore, Date created) {
    }

    private volatile List<Key> keys = List.of();

    private ReactiveMongoCollection<Document> coll() {
        return database.get().getCollection(COLLECTION);
    }

    /** The key to sign with now (loading or creating keys on first use). */
    public Uni<Key> current() {
        Key k = active(keys);
        return k != null ? Uni.createFrom().item(k) : refresh().map(list -> {
            Key a = active(list);
            if (a == null) {
                throw new IllegalStateException("no usable signing key");
            }
            return a;
        });
    }

    /** Every published key: the active one, a successor not used yet, predecessors whose tokens may still be live. */
    public Uni<List<Key>> published() {
        return keys.isEmpty() ? refresh() : Uni.createFrom().item(keys);
    }

    @Scheduled(every = "60s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return refresh().onFailure().invoke(t -> LOG.warnf("Signing key refresh failed: %s", t.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Reloads the keys; rotates (inserts a successor) and retires expired predecessors when due. */
    public Uni<List<Key>> refresh() {
        return load().chain(list -> {
            long now = System.currentTimeMillis();
            Key newest = list.isEmpty() ? null : list.get(list.size() - 1);
            if (newest == null || newest.created().getTime() + config.keyRotation().toMillis() <= now) {
                // the very first key is used at once; a successor only after the publish lead
                Date notBefore = new Date(newest == null ? now : now + config.keyPublishLead().toMillis());
                return insert(newest == null ? 1 : newest.generation() + 1, notBefore).chain(this::load);
            }
            return Uni.createFrom().item(list);
        }).chain(this::retire).invoke(list -> keys = list);
    }

    private Uni<List<Key>> retire(List<Key> list) {
        Key active = active(list);
        if (active == null) {
            return Uni.createFrom().item(list);
        }
        long grace = config.tokenLifetime().toMillis() + config.keyPublishLead().toMillis();
        List<String> gone = new ArrayList<>();
        for (Key k : list) {
            // older than the active key, which has signed for longer than any token of k can live
            if (k.generation() < active.generation() && active.notBefore().getTime() + grace < System.currentTimeMillis()) {
                gone.add(k.kid());
            }
        }
        if (gone.isEmpty()) {
            return Uni.createFrom().item(list);
        }
        return coll().deleteMany(new Document("_id", new Document("$in", gone)))
                .map(x -> list.stream().filter(k -> !gone.contains(k.kid())).toList());
    }

    private Uni<Void> insert(long generation, Date notBefore) {
        String kid = "es256-g" + generation;
        Document doc;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair p = g.generateKeyPair();
            doc = new Document("_id", kid).append("alg", "ES256").append("generation", generation)
                    .append("public_key", Base64.getEncoder().encodeToString(p.getPublic().getEncoded()))
                    .append("private_key", Base64.getEncoder().encodeToString(p.getPrivate().getEncoded()))
                    .append("not_before", notBefore).append("created_at", new Date());
        } catch (java.security.GeneralSecurityException e) {
            return Uni.createFrom().failure(e);
        }
        return coll().insertOne(doc).replaceWithVoid().onFailure(t -> t instanceof MongoWriteException w
                && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY).recoverWithNull()
                .invoke(() -> LOG.infof("Function signing key %s published, signing from %s", kid, notBefore));
    }

    private Uni<List<Key>> load() {
        return coll().find(new Document("alg", "ES256")).collect().asList().map(docs -> {
            List<Key> out = new ArrayList<>();
            for (Document d : docs) {
                try {
                    KeyFactory f = KeyFactory.getInstance("EC");
                    Number gen = d.get("generation", Number.class);
                    out.add(new Key(d.getString("_id"), gen == null ? 0 : gen.longValue(),
                            (ECPublicKey) f.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(d.getString("public_key")))),
                            f.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(d.getString("private_key")))),
                            d.getDate("not_before"), d.getDate("created_at")));
                } catch (java.security.GeneralSecurityException | RuntimeException e) {
                    LOG.warnf("Ignoring unreadable signing key %s", d.get("_id"));
                }
            }
            out.sort(Comparator.comparingLong(Key::generation));
            return List.copyOf(out);
        });
    }

    private static Key active(List<Key> list) {
        Date now = new Date();
        Key best = null;
        for (Key k : list) {
            if (!k.notBefore().after(now) && (best == null || k.generation() > best.generation())) {
                best = k;
            }
        }
        return best;
    }

    /** RFC 7517 JWK of a public key. */
    public static Map<String, Object> jwk(Key k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kty", "EC");
        m.put("crv", "P-256");
        m.put("kid", k.kid());
        m.put("use", "sig");
        m.put("alg", "ES256");
        m.put("x", coordinate(k.publicKey().getW().getAffineX()));
        m.put("y", coordinate(k.publicKey().getW().getAffineY()));
        return m;
    }

    private static String coordinate(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] fixed = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, fixed, 32 - copy, copy);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
    }
}
