import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one OpenSearch 2.19 node from Maven Central jars, without a distribution.
 *
 * A distribution loads its transport and analysis modules from its modules/ folder; here there
 * is none, so the plugin classes are handed to the node directly, through the protected Node
 * constructor OpenSearch's own test framework (MockNode) uses. No bootstrap checks, security
 * manager or native calls: this is a loopback-only dev node.
 *
 * chatlab compiles it once (javac) and runs: java -cp 'jars/*:classes' Launcher HOME
 * (source-file mode, java -cp 'jars/*' Launcher.java HOME, works too, but compiles on every start).
 * HOME holds config/opensearch.yml and config/log4j2.properties (written by chatlab).
 */
public class Launcher {
    static final class ChatlabNode extends Node {
        ChatlabNode(Environment environment) {
            super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp 'jars/*:classes' Launcher HOME");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path config = home.resolve("config");
        if (!Files.isRegularFile(config.resolve("opensearch.yml"))) {
            System.err.println("no opensearch.yml in " + config);
            System.exit(2);
        }
        Settings input = Settings.builder().put("path.home", home.toString()).build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(input, Collections.emptyMap(), config, () -> "chatlab-search");
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
        LogConfigurator.configure(environment);

        Node node;
        try {
            node = new ChatlabNode(environment);
            node.start();
        } catch (Throwable t) {
            System.err.println("opensearch failed to start: " + t);
            t.printStackTrace();
            System.exit(1);
            return;
        }

        // OpenSearch's threads are daemons: without this the JVM would exit right after start
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "chatlab-search-shutdown"));
        Thread keepAlive = new Thread(() -> {
            try {
                stopped.await();
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "chatlab-search-keepalive");
        keepAlive.setDaemon(false);
        keepAlive.start();
    }
}
