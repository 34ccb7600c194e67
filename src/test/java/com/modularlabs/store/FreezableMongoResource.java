package com.modularlabs.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test database behind a TCP proxy in the test: {@link #freeze()} makes the proxy keep every connection open and
 * accept new ones but forward nothing (a frozen database); {@link #thaw()} resumes. With init arg {@code down=true}
 * the database itself is not started until {@link #startDatabase()} (unreachable at startup).
 */
public class FreezableMongoResource implements QuarkusTestResourceLifecycleManager {
    private static volatile MongoServer server;
    private static volatile int dbPort;
    private static volatile boolean frozen;
    private static final Object GATE = new Object();
    private static volatile ServerSocket listener;
    private static final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private boolean down;

    @Override
    public void init(Map<String, String> initArgs) {
        down = Boolean.parseBoolean(initArgs.getOrDefault("down", "false"));
    }

    @Override
    public Map<String, String> start() {
        try {
            dbPort = freePort();
            if (!down) {
                startDatabase();
            }
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(FreezableMongoResource::accept, "frozen-db-proxy");
            t.setDaemon(true);
            t.start();
            return Map.of("quarkus.mongodb.connection-string",
                    "mongodb://127.0.0.1:" + listener.getLocalPort() + "/?serverSelectionTimeoutMS=3000");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static synchronized void startDatabase() {
        MongoServer s = new MongoServer(new MemoryBackend());
        s.bind("127.0.0.1", dbPort);
        server = s;
    }

    /** Kills the database (every connection closed); {@link #startDatabase()} brings an empty one back. */
    public static synchronized void stopDatabase() {
        MongoServer s = server;
        if (s != null) {
            s.shutdownNow();
        }
        server = null;
    }

    /** Stops forwarding: the database "accepts connections and answers nothing". */
    public static void freeze() {
        frozen = true;
    }

    public static void thaw() {
        synchronized (GATE) {
            frozen = false;
            GATE.notifyAll();
        }
    }

    private static void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                Thread t = new Thread(() -> connect(client), "frozen-db-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void connect(Socket client) {
        try {
            awaitThawed();
            Socket db = new Socket(InetAddress.getLoopbackAddress(), dbPort);
            sockets.add(db);
            Thread up = new Thread(() -> pump(client, db), "frozen-db-proxy-up");
            up.setDaemon(true);
            up.start();
            pump(db, client);
        } catch (IOException | InterruptedException e) {
            close(client);
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                awaitThawed(); // a frozen database swallows nothing and answers nothing until thawed
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // connection closed by one side
        } finally {
            close(from);
            close(to);
        }
    }

    private static void awaitThawed() throws InterruptedException {
        synchronized (GATE) {
            while (frozen) {
                GATE.wait();
            }
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void stop() {
        thaw();
        try {
            if (listener != null) {
                listener.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(FreezableMongoResource::close);
        MongoServer s = server;
        if (s != null) {
            s.shutdownNow();
        }
    }
}
