// A MongoDB wire-protocol server (mongo-java-server, memory backend) in its own process, so the service's RSS
// measured by the bench does not include the data. Usage: java -cp <classpath> MongoServerMain.java PORT
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public class MongoServerMain {
    public static void main(String[] args) throws Exception {
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", Integer.parseInt(args[0]));
        System.out.println("mongo-java-server listening on " + args[0]);
        Thread.currentThread().join();
    }
}
