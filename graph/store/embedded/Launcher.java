// Runs a Neo4j Community DBMS in this JVM with Bolt on 127.0.0.1:<port>.
// Compiled and started by graph/embedded/server.py:
// `java -cp 'lib/*:<classes>' Launcher <home> <port> <pagecache-bytes>`.
// The password arrives in the environment (NEO4J_AUTH_PASSWORD), never on the command line.
// With CREDIT_GRAPH_PARENT_PID set, the server shuts itself down when that process is gone,
// so a test run that is killed never leaves a JVM behind.
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

public class Launcher {
    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long pageCache = Long.parseLong(args[2]);
        String password = System.getenv("NEO4J_AUTH_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("NEO4J_AUTH_PASSWORD is not set");
            System.exit(2);
        }

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }));
        try {
            setPassword(dbms, password);
        } catch (RuntimeException e) {
            // Without this the DBMS threads would keep a half-started JVM alive.
            e.printStackTrace();
            System.exit(1);
        }
        watchParent();
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    // Neo4j creates user neo4j/neo4j with a forced change on first start; set ours on every
    // start so the password in settings is always the one that works.
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            // A restart over an existing store: the password is already this one.
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static void watchParent() {
        String parent = System.getenv("CREDIT_GRAPH_PARENT_PID");
        if (parent == null || parent.isEmpty()) {
            return;
        }
        Thread watchdog = new Thread(() -> {
            while (ProcessHandle.of(Long.parseLong(parent)).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.exit(0); // runs the shutdown hook: a clean store shutdown
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
