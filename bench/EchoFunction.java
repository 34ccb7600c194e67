import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** bench/functions.sh: a trivial function (/echo answers {"ok":true}) and one that hangs (/hang sleeps 60 s). */
public class EchoFunction {
    public static void main(String[] args) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 256);
        s.setExecutor(Executors.newCachedThreadPool());
        s.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            if (x.getRequestURI().getPath().equals("/hang")) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] b = "{\"ok\":true}".getBytes();
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.start();
        System.out.println("listening");
    }
}
