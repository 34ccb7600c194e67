package com.modularlabs.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import com.modularlabs.common.Workers;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.bson.types.Binary;

/**
 * bcrypt (at.favre.lib:bcrypt): hashes as $2b$ like g.nome, verifies $2a$/$2b$/$2y$ hashes stored as a string or
 * BSON Binary. All work runs on worker threads ({@link #hash}/{@link #verify} return Unis); the blocking methods
 * refuse to run on an event loop.
 */
@ApplicationScoped
public class Passwords {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BCrypt.Hasher HASHER = BCrypt.with(BCrypt.Version.VERSION_2B, RANDOM, LongPasswordStrategies.strict(BCrypt.Version.VERSION_2B));
    private static final BCrypt.Verifyer VERIFIER = BCrypt.verifyer(BCrypt.Version.VERSION_2B, LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2B));

    @Inject
    AuthConfig config;

    private volatile String dummyHash;

    /**
     * bcrypt is pure CPU: running it on the shared worker pool (dozens of threads) starves the event loops of CPU
     * during a login storm. It gets its own pool of labs.auth.bcrypt-threads (default: the number of cores) instead;
     * excess logins queue there while pages, health checks and the data API keep their share of the CPU.
     */
    private java.util.concurrent.ExecutorService pool;

    @jakarta.annotation.PostConstruct
    void startPool() {
        pool = java.util.concurrent.Executors.newFixedThreadPool(config.bcryptThreads().orElse(Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "labs-bcrypt");
            t.setDaemon(true);
            return t;
        });
    }

    private <T> Uni<T> offLoop(java.util.concurrent.Callable<T> work) {
        return Workers.run(pool, work);
    }

    public Uni<String> hash(String password) {
        return offLoop(() -> hashBlocking(password));
    }

    /** Verifies against {@code storedHash} (String, Binary or byte[]); against a dummy hash when null, so unknown users cost the same. */
    public Uni<Boolean> verify(String password, Object storedHash) {
        return offLoop(() -> verifyBlocking(password, storedHash));
    }

    public String hashBlocking(String password) {
        Workers.assertNotOnEventLoop("bcrypt hashing");
        return HASHER.hashToString(config.bcryptCost(), password.toCharArray());
    }

    public boolean verifyBlocking(String password, Object storedHash) {
        Workers.assertNotOnEventLoop("bcrypt verification");
        String hash = hashString(storedHash);
        boolean real = hash != null && (hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$")) && hash.length() == 60;
        byte[] pw = (password == null ? "" : password).getBytes(StandardCharsets.UTF_8);
        try {
            BCrypt.Result r = VERIFIER.verify(pw, (real ? hash : dummy()).getBytes(StandardCharsets.US_ASCII));
            return real && r.verified;
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    static String hashString(Object stored) {
        if (stored instanceof String s) {
            return s;
        }
        if (stored instanceof Binary b) {
            return new String(b.getData(), StandardCharsets.US_ASCII);
        }
        if (stored instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        return null;
    }

    /** The hash unknown users are verified against: same version and cost as a real one (package-private for the test). */
    String dummy() {
        String d = dummyHash;
        if (d == null) {
            byte[] pw = new byte[24];
            RANDOM.nextBytes(pw);
            d = hashBlocking(Base64.getEncoder().encodeToString(pw));
            dummyHash = d;
        }
        return d;
    }

    public static String randomSecret(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
