package com.modularlabs.auth;

import static com.modularlabs.auth.AuthFlows.createUser;
import static com.modularlabs.auth.AuthFlows.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Behind a trusted reverse proxy (what the Kubernetes overlays ship: LABS_TRUST_PROXY=true and the ingress range in
 * LABS_TRUSTED_PROXIES). The test client connects from 127.0.0.1, which plays the ingress; 10.1.0.0/16 is a
 * second proxy tier. Quarkus' own forwarding is on as well, as in the overlays.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestProfile(ProxyTrustTest.BehindIngress.class)
class ProxyTrustTest {
    public static class BehindIngress implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("labs.auth.trust-proxy", "true", "labs.auth.trusted-proxies", "127.0.0.1,10.1.0.0/16",
                    "quarkus.http.proxy.proxy-address-forwarding", "true", "quarkus.http.proxy.allow-x-forwarded", "true",
                    "quarkus.http.proxy.trusted-proxies", "127.0.0.1,10.1.0.0/16",
                    "labs.auth.login-account-max-failures", "6", "labs.auth.login-backoff-initial", "5S");
        }
    }

    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(1);

    static Response loginFrom(String forwardedFor, String email, String password) {
        return given().header("X-Forwarded-For", forwardedFor).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", password)).post("/auth/token");
    }

    static String freshAddress() {
        int n = NEXT_ADDRESS.getAndIncrement();
        return "198.51." + (n / 250) + "." + (n % 250 + 1);
    }

    @Test
    void theClientWrittenLeftMostHopCannotResetTheCount() {
        String email = unique("leftmost");
        createUser(email, "leftmost-pass-1", List.of());
        // the proxy appended the real client 203.0.113.7; the client wrote a fresh left-most value each time
        for (int i = 0; i < 5; i++) {
            loginFrom(freshAddress() + ", 203.0.113.7", email, "wrong").then().statusCode(401);
        }
        loginFrom(freshAddress() + ", 203.0.113.7", email, "leftmost-pass-1").then().statusCode(429)
                .contentType(containsString("application/problem+json")).header("Retry-After", notNullValue());
    }

    @Test
    void trustedProxyHopsAreSkippedAndClientsBehindTheIngressAreApart() {
        String email = unique("hops");
        createUser(email, "hops-pass-1", List.of());
        for (int i = 0; i < 3; i++) {
            // 10.1.4.4 is a trusted second tier: the client is 203.0.113.20, not the proxy
            loginFrom("203.0.113.20, 10.1.4.4", email, "wrong").then().statusCode(401);
        }
        // another client behind the same ingress is not locked out by the first one's failures
        loginFrom("203.0.113.21, 10.1.4.4", email, "hops-pass-1").then().statusCode(200);
    }

    @Test
    void anAccountGetsExponentialBackoffWhateverTheAddress() {
        String email = unique("account");
        createUser(email, "account-pass-1", List.of());
        for (int i = 0; i < 6; i++) { // the free attempts per account (6 in this profile), each from another address
            loginFrom(freshAddress(), email, "wrong").then().statusCode(401);
        }
        loginFrom(freshAddress(), email, "wrong").then().statusCode(401); // passes the gate, which now stays shut 5 s
        loginFrom(freshAddress(), email, "account-pass-1").then().statusCode(429).header("Retry-After", notNullValue())
                .body("detail", containsString("account"));
        // once the gate opens, the right password gets in and the count starts over
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> loginFrom(freshAddress(), email, "account-pass-1").statusCode() == 200);
        for (int i = 0; i < 6; i++) {
            loginFrom(freshAddress(), email, "wrong").then().statusCode(401);
        }
    }

    @Test
    void behindATlsProxyTheCookieIsSecureAndResponsesCarryHsts() {
        String email = unique("tls");
        createUser(email, "tls-pass-1", List.of());
        var https = given().header("X-Forwarded-Proto", "https").header("X-Forwarded-For", freshAddress()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "tls-pass-1")).post("/auth/login").then().statusCode(200).extract();
        assertTrue(https.header("Set-Cookie").contains("Secure"), https.header("Set-Cookie"));
        assertTrue(https.header("Strict-Transport-Security").startsWith("max-age="), https.headers().toString());
        given().header("X-Forwarded-Proto", "https").get("/").then().header("Strict-Transport-Security", notNullValue());
        // the same proxy forwarding plain HTTP: no Secure, no HSTS
        var http = given().header("X-Forwarded-Proto", "http").header("X-Forwarded-For", freshAddress()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "tls-pass-1")).post("/auth/login").then().statusCode(200).extract();
        assertFalse(http.header("Set-Cookie").contains("Secure"), http.header("Set-Cookie"));
        assertEquals(null, http.header("Strict-Transport-Security"));
    }
}
