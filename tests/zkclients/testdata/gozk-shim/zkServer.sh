#!/bin/sh
# zkServer.sh shim for go-zookeeper's integration tests (server_java_test.go
# runs "$ZOOKEEPER_BIN_PATH/zkServer.sh start-foreground <zoo.cfg>" with
# SERVER_JVMFLAGS set and SIGKILLs it to stop the server).
#
# SAMSA_GOZK_SERVER=samsa (default): copy the zoo.cfg, append each
# -Dzookeeper.<key>=<value> of SERVER_JVMFLAGS as "zookeeper.<key>=<value>"
# (superDigest, extendedTypesEnabled, emulate353TTLNodes -- the same keys
# zkharness writes for Samsa) and exec $SAMSA_COORDINATOR_BIN on it.
#
# SAMSA_GOZK_SERVER=apache: exec Debian's ZooKeeper with SERVER_JVMFLAGS on
# $SAMSA_GOZK_APACHE_CP (which must put the patched Version class from
# apache-srvr-patch first, see TestGoZookeeperSuite).
set -eu
if [ "$#" -ne 2 ] || [ "$1" != start-foreground ]; then
	echo "zkServer.sh shim: only 'start-foreground <zoo.cfg>' is supported, got: $*" >&2
	exit 2
fi
cfg=$2
case "${SAMSA_GOZK_SERVER:-samsa}" in
samsa)
	: "${SAMSA_COORDINATOR_BIN:?zkServer.sh shim: SAMSA_COORDINATOR_BIN is not set}"
	out="$cfg.samsa"
	cp "$cfg" "$out"
	for f in ${SERVER_JVMFLAGS:-}; do
		case "$f" in
		-Dzookeeper.*=*) printf '%s\n' "${f#-D}" >>"$out" ;;
		esac
	done
	exec "$SAMSA_COORDINATOR_BIN" "$out"
	;;
apache)
	: "${SAMSA_GOZK_APACHE_CP:?zkServer.sh shim: SAMSA_GOZK_APACHE_CP is not set}"
	# shellcheck disable=SC2086 # SERVER_JVMFLAGS is a list of flags
	exec "${SAMSA_ZK_JAVA:-java}" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-Dzookeeper.admin.enableServer=false ${SERVER_JVMFLAGS:-} \
		-cp "$SAMSA_GOZK_APACHE_CP" org.apache.zookeeper.server.ZooKeeperServerMain "$cfg"
	;;
*)
	echo "zkServer.sh shim: SAMSA_GOZK_SERVER must be samsa or apache" >&2
	exit 2
	;;
esac
