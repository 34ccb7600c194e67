package com.modularlabs.auth;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Issues and verifies HS256 tokens with smallrye-jwt (builder + DefaultJWTParser over jose4j). The parser is
 * built here, not produced by the smallrye-jwt extension, because the key may come from the database at startup:
 * LABS_TOKEN_SECRET, or a secret generated once and stored in labs_settings (_id "token_secret") so all replicas
 * agree. Only HS256 is accepted ("alg: none" and every other algorithm are refused); issuer, exp and iat are required.
 */
@ApplicationScoped
public class TokenService {
    private static final Logger LOG = Logger.getLogger(TokenService.class);
    public static final String ISSUER = "modular-labs";
    static final String SECRET_ID = "token_secret";

    @Inject
    AuthConfig config;
    @Inject
    SettingsRepository settings;

    private volatile SecretKey key;
    private volatile DefaultJWTParser parser;

    /** Loads or creates the signing key (LABS_TOKEN_SECRET, else the labs_settings document shared by all replicas). */
    Uni<Void> init() {
        String secret = config.tokenSecret().filter(s -> !s.isBlank()).orElse(null);
        if (secret != null) {
            if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
                return Uni.createFrom().failure(new IllegalStateException("LABS_TOKEN_SECRET must be at least 32 bytes"));
            }
            use(secret);
            return Uni.createFrom().voidItem();
        }
        return storedSecret().invoke(s -> {
            LOG.warn("LABS_TOKEN_SECRET is not set: using a signing secret generated once and kept in the database ("
                    + UserStore.SETTINGS + "). Set LABS_TOKEN_SECRET (>= 32 bytes) in production.");
            use(s);
        }).replaceWithVoid();
    }

    /** A key for another purpose (e.g. list cursors), derived from the signing secret: same on every replica. */
    public String derivedKey(String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(key);
            return java.util.HexFormat.of().formatHex(mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    void use(String secret) {
        SecretKey k = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        info.setSecretVerificationKey(k);
        info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.HS256));
        info.setIssuedBy(ISSUER);
        info.setExpGracePeriodSecs(0);
        info.setClockSkew(0);
        info.setRequiredClaims(Set.of("sub", "exp", "iat", "iss"));
        this.parser = new DefaultJWTParser(info);
        this.key = k;
    }

    private Uni<String> storedSecret() {
        return settings.findById(SECRET_ID).chain(stored -> {
            if (stored != null) {
                return Uni.createFrom().item(stored.value());
            }
            String fresh = Passwords.randomSecret(48);
            return settings.persist(new SettingsRepository.Setting(SECRET_ID, fresh, new Date())).replaceWith(fresh)
                    .onFailure(UserStore::duplicateKey) // another replica won the race: use its secret
                    .recoverWithUni(() -> settings.findById(SECRET_ID).map(SettingsRepository.Setting::value));
        });
    }

    public boolean ready() {
        return key != null;
    }

    public String issue(LabsUser user, Duration lifetime, String use) {
        return issue(user, lifetime, use, null);
    }

    /** "use" (session or api) and "sid" (the server-side session) are checked on every request by LabsIdentityProvider. */
    public String issue(LabsUser user, Duration lifetime, String use, String sid) {
        Instant now = Instant.now();
        var b = Jwt.issuer(ISSUER).subject(user.id()).upn(user.email()).issuedAt(now).expiresAt(now.plus(lifetime)).claim("use", use);
        if (sid != null) {
            b.claim("sid", sid);
        }
        return b.jws().algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.HS256).sign(key);
    }

    /** "use" of a data token handed to a function for one call: confined to one experiment's data API. */
    public static final String FUNCTION_USE = "function-data";
    /** Claim naming the experiment a function data token is confined to. */
    public static final String FUNCTION_EXPERIMENT = "labs_experiment";

    /**
     * A short-lived data token for a function called on behalf of a user (userId null: an anonymous caller);
     * accepted only on that experiment's data API (see LabsAuthMechanism), with the user's roles minus admin plus
     * the {@code service} level.
     */
    public String issueFunctionToken(String userId, String slug, String requestId, Duration lifetime) {
        Instant now = Instant.now();
        var b = Jwt.issuer(ISSUER).subject(userId == null ? "anonymous" : userId).issuedAt(now).expiresAt(now.plus(lifetime))
                .claim("use", FUNCTION_USE).claim(FUNCTION_EXPERIMENT, slug).claim("rid", requestId);
        if (userId == null) {
            b.claim("anon", true);
        }
        return b.jws().algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.HS256).sign(key);
    }

    /** The verified token, or null when forged, expired, wrongly signed, of another algorithm, or malformed. */
    public JsonWebToken verify(String token) {
        DefaultJWTParser p = parser;
        if (p == null || token == null || token.isBlank() || token.length() > 8192) {
            return null;
        }
        try {
            return p.parse(token);
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }
}
