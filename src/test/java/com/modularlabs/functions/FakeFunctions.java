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
                default -> send(x, 404, "application/problem+json", "{\"title\":\"Not Found\",\"status\":404}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(x, 500, "text/plain", "interrupted");
        }
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
