// A MongoDB wire-protocol server (mongo-java-server, memory backend) in its own process, so the service's RSS
// measured by the bench does not include the data. Usage: java -cp <classpath> MongoServerMain.java PORT
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public class MongoServerMain {
    public static void main(String[] args) throws Exception {
        // Without a logging configuration the test classpath's slf4j binding (jboss-logmanager) has TRACE enabled, and
        // mongo-java-server then formats every incoming message for a debug line nobody sees: Document.toString()
        // with String.format per byte of binary, ~1 s of store CPU per 1 MiB GridFS insert. Inside the service and
        // the tests Quarkus configures INFO, so this is only the bench's own store process.
        org.jboss.logmanager.LogContext.getLogContext().getLogger("de.bwaldvogel").setLevel(java.util.logging.Level.INFO);
        MongoServer server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", Integer.parseInt(args[0]));
        System.out.println("mongo-java-server listening on " + args[0]);
        Thread.currentThread().join();
    }
}
