// Validation aid for TestGoZookeeperSuite (kind apache only): a drop-in
// replacement for org.apache.zookeeper.Version that reports the pre-3.7
// "built on MM/dd/yyyy HH:mm GMT" date and a version without "${...}", so
// that go-zookeeper's FLWSrvr (which its test harness waits on) can parse the
// srvr output of Debian's ZooKeeper 3.8.0. It is compiled into a temp dir
// placed before zookeeper.jar on the classpath. Nothing else changes.
package org.apache.zookeeper;

public class Version implements org.apache.zookeeper.version.Info {
    public static int getRevision() {
        return REVISION;
    }

    public static String getRevisionHash() {
        return "debian";
    }

    public static String getBuildDate() {
        return "12/29/2024 17:54 GMT";
    }

    public static String getVersion() {
        return MAJOR + "." + MINOR + "." + MICRO + (QUALIFIER == null || QUALIFIER.isEmpty() ? "" : "-" + QUALIFIER);
    }

    public static String getVersionRevision() {
        return getVersion() + "-" + getRevisionHash();
    }

    public static String getFullVersion() {
        return getVersionRevision() + ", built on " + getBuildDate();
    }

    public static void printUsage() {
        System.out.print("Usage:\tjava -cp ... org.apache.zookeeper.Version [--full | --short | --revision]\n");
    }

    public static void main(String[] args) {
        System.out.println(getFullVersion());
    }
}
