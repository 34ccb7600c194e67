package com.modularlabs.functions;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A function service for tests (JDK HTTP server on a random loopback port); each path behaves one way. */
final class FakeFunctions implements AutoCloseable {
    final HttpServer server;
    final ConcurrentHashMap<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    final AtomicInteger hanging = new AtomicInteger();
    /** after_write calls received: delivery id of each call, in order, with the event. */
    final java.util.List<com.fasterxml.jackson.databind.JsonNode> deliveries = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** before_write calls received, with the event. */
    final java.util.List<com.fasterxml.jackson.databind.JsonNode> befores = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile boolean doomed = true;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    volatile CountDownLatch release = new CountDownLatch(1);
    private final HttpClient http = HttpClient.newHttpClient();

    FakeFunctions() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    int hits(String path) {
        return hits.computeIfAbsent(path, p -> new AtomicInteger()).get();
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            switch (path) {
                case "/echo" -> send(x, 200, "application/json", "{\"authorization\":" + q(x.getRequestHeaders().getFirst("Authorization"))
                        + ",\"data_token\":" + q(x.getRequestHeaders().getFirst("X-Labs-Data-Token"))
                        + ",\"api\":" + q(x.getRequestHeaders().getFirst("X-Labs-Api"))
                        + ",\"request_id\":" + q(x.getRequestHeaders().getFirst("X-Labs-Request-Id"))
                        + ",\"delivery_id\":" + q(x.getRequestHeaders().getFirst("X-Labs-Delivery-Id"))
                        + ",\"body\":" + (body.isEmpty() ? "null" : body) + "}");
                case "/refuse" -> send(x, 422, "application/problem+json",
                        "{\"type\":\"about:blank\",\"title\":\"Not your turn\",\"status\":422,\"detail\":\"wait for the dealer\"}");
                case "/html" -> send(x, 200, "text/html", "<h1>oops</h1>");
                case "/badjson" -> send(x, 200, "application/json", "{\"a\": ");
                case "/fail" -> send(x, 500, "application/json", "{\"error\":\"boom\"}");
                case "/big" -> send(x, 200, "application/json", "{\"pad\":\"" + "x".repeat(5000) + "\"}");
                case "/redirect" -> {
                    x.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data");
                    x.sendResponseHeaders(302, -1);
                }
                case "/hang" -> {
                    hanging.incrementAndGet();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } finally {
                        hanging.decrementAndGet();
                    }
                    send(x, 200, "application/json", "{\"done\":true}");
                }
                case "/data" -> {
                    // what a real function does: reach data only through the engine, with the token it was given
                    String api = x.getRequestHeaders().getFirst("X-Labs-Api");
                    String token = x.getRequestHeaders().getFirst("X-Labs-Data-Token");
                    HttpResponse<String> w = http.send(HttpRequest.newBuilder(URI.create(api + "/vault"))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body.isEmpty() ? "{}" : body)).build(), HttpResponse.BodyHandlers.ofString());
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/vault"))
                            .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                    send(x, 200, "application/json", "{\"write_status\":" + w.statusCode() + ",\"written\":" + w.body()
                            + ",\"read_status\":" + r.statusCode() + ",\"read\":" + r.body() + "}");
                }
                case "/before" -> before(x, body);
                case "/after" -> {
                    com.fasterxml.jackson.databind.node.ObjectNode event = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(body);
                    event.put("header_delivery_id", x.getRequestHeaders().getFirst("X-Labs-Delivery-Id"));
                    deliveries.add(event);
                    var doc = event.path("document");
                    boolean fail = doc.path("flaky").asBoolean() && event.path("attempt").asInt() < 3
                            || doc.path("doomed").asBoolean() && doomed;
                    send(x, fail ? 500 : 200, "application/json", "{}");
                }
                default -> send(x, 404, "application/problem+json", "{\"title\":\"Not Found\",\"status\":404}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(x, 500, "text/plain", "interrupted");
        }
    }

    /** A before_write trigger: refuses "forbidden" words, shouts, tries to forge engine fields, can break the schema. */
    private void before(HttpExchange x, String body) throws IOException {
        var event = JSON.readTree(body);
        befores.add(event);
        var docs = (com.fasterxml.jackson.databind.node.ArrayNode) event.path("documents");
        boolean changed = false;
        for (var d : docs) {
            var o = (com.fasterxml.jackson.databind.node.ObjectNode) d;
            if ("forbidden".equals(o.path("word").asText())) {
                send(x, 422, "application/problem+json", "{\"type\":\"about:blank\",\"title\":\"Refused by the experiment\",\"status\":422,"
                        + "\"detail\":\"that word is not allowed\",\"errors\":[{\"path\":\"$.word\",\"message\":\"not allowed\"}]}");
                return;
            }
            if (o.path("shout").asBoolean()) {
                o.put("text", o.path("text").asText().toUpperCase(java.util.Locale.ROOT));
                o.put("checked", event.path("operation").asText());
                o.put("created_by", "mallory");
                o.put("experiment_id", "t_fn");
                changed = true;
            }
            if (o.hasNonNull("refuse_with")) { // a refusal whose problem body is any JSON the function likes
                send(x, 422, "application/problem+json", o.path("refuse_with").asText());
                return;
            }
            if (o.hasNonNull("odd_names")) { // names no client may store
                switch (o.path("odd_names").asText()) {
                    case "dotted" -> o.put("a.b", 1);
                    case "empty" -> o.put("", 1);
                    default -> o.putObject("nested").put("$where", "1");
                }
                changed = true;
            }
            if (o.path("breakschema").asBoolean()) {
                o.put("n", "not a number");
                changed = true;
            }
        }
        send(x, 200, "application/json", changed ? "{\"documents\":" + docs + "}" : "{}");
    }

    private static String q(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
