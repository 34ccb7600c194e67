import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The blackjack experiment's functions: deal, hit and stand, as a single-file Java program using only the JDK.
 *
 * Run: java BlackjackFunctions.java [port] [engine-url]   (defaults 8091, http://127.0.0.1:8080; or env
 * BLACKJACK_PORT, BLACKJACK_BIND, LABS_ENGINE_URL). The engine is told where it lives with
 * LABS_FUNCTIONS_BASE_URLS=blackjack=http://127.0.0.1:8091.
 *
 * Trust: every call carries an ES256 JWT signed by the engine; it is verified against the engine's JWKS
 * (LABS_ENGINE_URL/.well-known/jwks.json) with java.security, and must name this experiment and function. The
 * game state lives in the engine: the dealer's hole card and the deck in the "decks" collection (access level
 * service: no browser can read it), the visible hand in "hands" (read: owner). The function reaches them only
 * through the data API, with the short-lived data token the engine passed in X-Labs-Data-Token.
 */
public class BlackjackFunctions {
    static final String ISSUER = "modular-labs";
    static final String SLUG = "blackjack";
    // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on every new connection
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();
    static final SecureRandom RANDOM = new SecureRandom();
    static String engine;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args.length > 0 ? args[0] : System.getenv().getOrDefault("BLACKJACK_PORT", "8091"));
        engine = args.length > 1 ? args[1] : System.getenv().getOrDefault("LABS_ENGINE_URL", "http://127.0.0.1:8080");
        String bind = System.getenv().getOrDefault("BLACKJACK_BIND", "127.0.0.1");
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", BlackjackFunctions::handle);
        server.start();
        System.out.println("blackjack functions listening on " + bind + ":" + server.getAddress().getPort() + ", engine " + engine);
    }

    // ------------------------------------------------------------------ HTTP

    static void handle(HttpExchange x) throws IOException {
        try {
            String path = x.getRequestURI().getPath();
            if (path.equals("/healthz")) {
                send(x, 200, "application/json", "{\"ok\":true}");
                return;
            }
            String fn = path.startsWith("/") ? path.substring(1) : path;
            if (!x.getRequestMethod().equals("POST") || !List.of("deal", "hit", "stand").contains(fn)) {
                problem(x, 404, "Not Found", "no function " + path);
                return;
            }
            Map<String, Object> claims = verify(x.getRequestHeaders().getFirst("Authorization"), fn);
            String requestId = x.getRequestHeaders().getFirst("X-Labs-Request-Id");
            // one signed assertion may serve several calls of the same user: each call's id names it (<jti>.<n>)
            if (claims == null || requestId == null || !requestId.startsWith(claims.get("jti") + ".")) {
                problem(x, 401, "Unauthorized", "the call is not signed by the engine for " + SLUG + "/" + fn);
                return;
            }
            byte[] raw = x.getRequestBody().readNBytes(64 * 1024);
            Object body = raw.length == 0 ? Map.of() : Json.parse(new String(raw, StandardCharsets.UTF_8));
            Api api = new Api((String) claims.get("api"), x.getRequestHeaders().getFirst("X-Labs-Data-Token"));
            Object answer = switch (fn) {
                case "deal" -> deal(api);
                case "hit" -> hit(api, id(body));
                default -> stand(api, id(body));
            };
            send(x, 200, "application/json", Json.write(answer));
        } catch (Refused r) {
            problem(x, r.status, r.title, r.getMessage());
        } catch (RuntimeException | InterruptedException e) {
            problem(x, 500, "Internal Server Error", "the dealer dropped the cards");
        } finally {
            x.close();
        }
    }

    static String id(Object body) {
        Object id = body instanceof Map<?, ?> m ? m.get("id") : null;
        if (!(id instanceof String s) || !s.matches("[a-f0-9-]{36}")) {
            throw new Refused(400, "Bad Request", "send {\"id\": \"<hand id>\"}");
        }
        return s;
    }

    static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    static void problem(HttpExchange x, int status, String title, String detail) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "about:blank");
        p.put("title", title);
        p.put("status", status);
        p.put("detail", detail);
        send(x, status, "application/problem+json", Json.write(p));
    }

    /** A refusal the client sees as problem+json (4xx passes through the engine). */
    static final class Refused extends RuntimeException {
        final int status;
        final String title;

        Refused(int status, String title, String detail) {
            super(detail);
            this.status = status;
            this.title = title;
        }
    }

    // ------------------------------------------------------------------ the game

    static final String[] RANKS = {"A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"};
    static final String[] SUITS = {"S", "H", "D", "C"};

    static Map<String, Object> deal(Api api) throws IOException, InterruptedException {
        List<String> deck = new ArrayList<>();
        for (String s : SUITS) {
            for (String r : RANKS) {
                deck.add(r + s);
            }
        }
        Collections.shuffle(deck, RANDOM);
        List<String> player = new ArrayList<>(List.of(deck.remove(0), deck.remove(0)));
        List<String> dealer = new ArrayList<>(List.of(deck.remove(0), deck.remove(0))); // [up card, hole card]
        String id = UUID.randomUUID().toString();
        Map<String, Object> hidden = new LinkedHashMap<>();
        hidden.put("_id", id);
        hidden.put("cards", deck);
        hidden.put("dealer", dealer);
        api.call("POST", "/decks", hidden, 201);
        Map<String, Object> hand = new LinkedHashMap<>();
        hand.put("_id", id);
        hand.put("player", player);
        hand.put("dealer", List.of(dealer.get(0)));
        hand.put("status", "playing");
        api.call("POST", "/hands", hand, 201);
        if (total(player) == 21) {
            return stand(api, id);
        }
        return view(id, player, List.of(dealer.get(0)), "playing", null);
    }

    static Map<String, Object> hit(Api api, String id) throws IOException, InterruptedException {
        Map<String, Object> hand = playing(api, id);
        Map<String, Object> hidden = api.call("GET", "/decks/" + id, null, 200);
        List<String> deck = strings(hidden.get("cards"));
        List<String> player = strings(hand.get("player"));
        player.add(deck.remove(0));
        api.call("PATCH", "/decks/" + id, Map.of("$set", Map.of("cards", deck)), 200);
        if (total(player) > 21) {
            List<String> dealer = strings(hidden.get("dealer"));
            return finish(api, id, player, dealer, "lose");
        }
        api.call("PATCH", "/hands/" + id, Map.of("$set", Map.of("player", player)), 200);
        return view(id, player, strings(hand.get("dealer")), "playing", null);
    }

    static Map<String, Object> stand(Api api, String id) throws IOException, InterruptedException {
        Map<String, Object> hand = playing(api, id);
        Map<String, Object> hidden = api.call("GET", "/decks/" + id, null, 200);
        List<String> deck = strings(hidden.get("cards"));
        List<String> dealer = strings(hidden.get("dealer"));
        List<String> player = strings(hand.get("player"));
        while (total(dealer) < 17) {
            dealer.add(deck.remove(0));
        }
        int p = total(player);
        int d = total(dealer);
        String result = d > 21 || p > d ? "win" : p == d ? "push" : "lose";
        return finish(api, id, player, dealer, result);
    }

    static Map<String, Object> finish(Api api, String id, List<String> player, List<String> dealer, String result)
            throws IOException, InterruptedException {
        api.call("PATCH", "/hands/" + id, Map.of("$set", Map.of("player", player, "dealer", dealer, "status", "done", "result", result)), 200);
        api.call("DELETE", "/decks/" + id, null, 204);
        return view(id, player, dealer, "done", result);
    }

    /** The caller's own hand (the data API reads "hands" as owner: another user's id is a 404), still in play. */
    static Map<String, Object> playing(Api api, String id) throws IOException, InterruptedException {
        Map<String, Object> hand = api.call("GET", "/hands/" + id, null, 200);
        if (!"playing".equals(hand.get("status"))) {
            throw new Refused(409, "Conflict", "this hand is over; deal a new one");
        }
        return hand;
    }

    static Map<String, Object> view(String id, List<String> player, List<String> dealer, String status, String result) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", id);
        v.put("player", player);
        v.put("player_total", total(player));
        List<String> shown = new ArrayList<>(dealer);
        if (status.equals("playing")) {
            shown.add("??"); // the hole card stays in the service collection
        }
        v.put("dealer", shown);
        v.put("dealer_total", status.equals("playing") ? null : total(dealer));
        v.put("status", status);
        v.put("result", result);
        return v;
    }

    static int total(List<String> cards) {
        int sum = 0;
        int aces = 0;
        for (String c : cards) {
            String r = c.substring(0, c.length() - 1);
            if (r.equals("A")) {
                aces++;
                sum += 11;
            } else {
                sum += "JQK".contains(r) ? 10 : Integer.parseInt(r);
            }
        }
        while (sum > 21 && aces-- > 0) {
            sum -= 10;
        }
        return sum;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object o) {
        return new ArrayList<>((List<String>) o);
    }

    /** The data API of this experiment, with the data token of this call. */
    record Api(String base, String token) {
        @SuppressWarnings("unchecked")
        Map<String, Object> call(String method, String path, Object body, int expect) throws IOException, InterruptedException {
            if (base == null || token == null) {
                throw new Refused(502, "Bad Gateway", "the engine passed no data API credentials");
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(Json.write(body)));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404 && method.equals("GET")) {
                throw new Refused(404, "Not Found", "no such hand");
            }
            if (r.statusCode() != expect) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode());
            }
            return r.body().isEmpty() ? Map.of() : (Map<String, Object>) Json.parse(r.body());
        }
    }

    // ------------------------------------------------------------------ JWT (ES256) from the engine's JWKS

    static final Map<String, PublicKey> KEYS = new ConcurrentHashMap<>();
    static volatile long keysFetched;

    /** The claims when the assertion is signed by a current engine key for this experiment and function, else null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> verify(String authorization, String function) {
        try {
            if (authorization == null || !authorization.startsWith("Bearer ")) {
                return null;
            }
            String[] p = authorization.substring(7).trim().split("\\.");
            if (p.length != 3) {
                return null;
            }
            Map<String, Object> header = (Map<String, Object>) Json.parse(decode(p[0]));
            if (!"ES256".equals(header.get("alg")) || !(header.get("kid") instanceof String kid)) {
                return null; // only the engine's algorithm: no "none", no HMAC confusion
            }
            PublicKey key = key(kid);
            if (key == null) {
                return null;
            }
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initVerify(key);
            s.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(Base64.getUrlDecoder().decode(p[2]))) {
                return null;
            }
            Map<String, Object> c = (Map<String, Object>) Json.parse(decode(p[1]));
            long now = System.currentTimeMillis() / 1000;
            Object aud = c.get("aud");
            String want = "labs-function:" + SLUG + "/" + function;
            boolean audOk = want.equals(aud) || aud instanceof List<?> l && l.contains(want);
            boolean ok = ISSUER.equals(c.get("iss")) && audOk && c.get("exp") instanceof Number exp && exp.longValue() > now
                    && SLUG.equals(c.get("experiment")) && function.equals(c.get("function")) && c.get("api") instanceof String;
            return ok ? c : null;
        } catch (Exception e) {
            return null;
        }
    }

    static String decode(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    /** A key by id; an unknown id refetches the JWKS (at most every 10 s): a rotated-in key is found at once. */
    @SuppressWarnings("unchecked")
    static synchronized PublicKey key(String kid) throws Exception {
        PublicKey k = KEYS.get(kid);
        if (k != null || System.currentTimeMillis() - keysFetched < 10_000) {
            return k;
        }
        keysFetched = System.currentTimeMillis();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(engine + "/.well-known/jwks.json"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Object> jwks = (Map<String, Object>) Json.parse(r.body());
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        KEYS.clear(); // retired keys go
        for (Object o : (List<Object>) jwks.get("keys")) {
            Map<String, Object> j = (Map<String, Object>) o;
            if ("EC".equals(j.get("kty")) && "P-256".equals(j.get("crv"))) {
                ECPoint w = new ECPoint(new BigInteger(1, Base64.getUrlDecoder().decode((String) j.get("x"))),
                        new BigInteger(1, Base64.getUrlDecoder().decode((String) j.get("y"))));
                KEYS.put((String) j.get("kid"), KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec)));
            }
        }
        return KEYS.get(kid);
    }

    // ------------------------------------------------------------------ a minimal JSON reader/writer

    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json j = new Json(text);
            Object v = j.value();
            j.ws();
            if (j.i != text.length()) {
                throw new IllegalArgumentException("trailing characters");
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = string();
                    ws();
                    expect(':');
                    m.put(k, value());
                    ws();
                    if (s.charAt(i) == ',') {
                        i++;
                    } else {
                        expect('}');
                        return m;
                    }
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i) == ',') {
                        i++;
                    } else {
                        expect(']');
                        return l;
                    }
                }
            }
            if (c == '"') {
                return string();
            }
            for (String lit : new String[] {"true", "false", "null"}) {
                if (s.startsWith(lit, i)) {
                    i += lit.length();
                    return lit.equals("null") ? null : Boolean.valueOf(lit);
                }
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String n = s.substring(start, i);
            if (n.isEmpty()) {
                throw new IllegalArgumentException("unexpected '" + c + "'");
            }
            return n.contains(".") || n.contains("e") || n.contains("E") ? (Object) Double.valueOf(n) : (Object) Long.valueOf(n);
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "'");
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        static String write(Object o) {
            StringBuilder b = new StringBuilder();
            write(o, b);
            return b.toString();
        }

        private static void write(Object o, StringBuilder b) {
            if (o == null) {
                b.append("null");
            } else if (o instanceof String str) {
                b.append('"');
                for (char c : str.toCharArray()) {
                    if (c == '"' || c == '\\') {
                        b.append('\\').append(c);
                    } else if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
                b.append('"');
            } else if (o instanceof Map<?, ?> m) {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    write(String.valueOf(e.getKey()), b);
                    b.append(':');
                    write(e.getValue(), b);
                }
                b.append('}');
            } else if (o instanceof List<?> l) {
                b.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) {
                        b.append(',');
                    }
                    write(l.get(k), b);
                }
                b.append(']');
            } else {
                b.append(o);
            }
        }
    }
}
