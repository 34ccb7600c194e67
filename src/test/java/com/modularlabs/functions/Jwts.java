package com.modularlabs.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Base64;

/** ES256 verification with the JDK alone, as a function in any language would do it from the JWKS. */
final class Jwts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Jwts() {
    }

    static JsonNode part(String jwt, int i) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[i]));
    }

    /** The claims when the signature verifies with the JWKS key named by the header's kid; otherwise null. */
    static JsonNode verify(String jwt, JsonNode jwks) throws Exception {
        String[] p = jwt.split("\\.");
        JsonNode header = part(jwt, 0);
        if (!"ES256".equals(header.path("alg").asText())) {
            return null;
        }
        for (JsonNode k : jwks.path("keys")) {
            if (k.path("kid").asText().equals(header.path("kid").asText())) {
                Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
                s.initVerify(key(k));
                s.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
                return s.verify(Base64.getUrlDecoder().decode(p[2])) ? part(jwt, 1) : null;
            }
        }
        return null;
    }

    static PublicKey key(JsonNode jwk) throws Exception {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        ECPoint w = new ECPoint(new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("x").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("y").asText())));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
    }
}
