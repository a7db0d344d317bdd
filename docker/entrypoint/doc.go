// Package entrypoint is what the Docker images run instead of the shell
// scripts of the images they replace: the samsa/broker image honours
// wurstmeister/kafka's start-kafka.sh and create-topics.sh environment
// contract, the samsa/coordinator image the official zookeeper image's
// (ZOO_* variables, /conf/zoo.cfg, /data, /datalog). The images are FROM
// scratch, so everything a script would do with a shell is done here in Go,
// and the HEALTHCHECK is a subcommand of the same binary.
//
// Broker start-up, in start-kafka.sh's order (PlanBroker is the pure part):
//
//  1. KAFKA_ZOOKEEPER_CONNECT is required (start-kafka.sh's message);
//  2. KAFKA_PORT defaults to 9092; KAFKA_CREATE_TOPICS is set aside;
//  3. with the Docker socket mounted and no advertised port or listeners,
//     KAFKA_ADVERTISED_PORT is the host port published for KAFKA_PORT;
//  4. KAFKA_BROKER_ID, else BROKER_ID_COMMAND's output, else -1 (automatic
//     ids from 1001);
//  5. KAFKA_LOG_DIRS defaults to /kafka/kafka-logs-$HOSTNAME;
//  6. HOSTNAME_COMMAND and PORT_COMMAND outputs replace _{HOSTNAME_COMMAND}
//     and _{PORT_COMMAND} in every KAFKA_* value; RACK_COMMAND sets
//     KAFKA_BROKER_RACK;
//  7. without KAFKA_ADVERTISED_HOST_NAME or KAFKA_LISTENERS the
//     HOSTNAME_COMMAND output is the advertised host, or start-up fails with
//     start-kafka.sh's messages;
//  8. every other KAFKA_* (and bitnami's KAFKA_CFG_*) becomes a broker key
//     through config.LoadBroker, with start-kafka.sh's exclusions.
//
// Commands (*_COMMAND, CUSTOM_INIT_SCRIPT) run with /bin/sh -c when the
// image has a shell (an image built FROM one); otherwise the command is
// split into words (quotes honoured) and executed directly, and a missing
// "hostname" is answered by a built-in (hostname, -i, -I, -f, -s).
//
// Then the broker starts in-process (broker/node), with Docker-specific
// hints logged for the usual failures: an advertised address clients
// cannot reach, a registration left by the previous container, a broker
// volume that outlived the coordinator's data (cluster id mismatch).
// KAFKA_CREATE_TOPICS entries are created once the broker serves, with
// CreateTopics through the broker (so the controller checks them, as
// kafka-topics.sh does); "already exists" is not an error, and
// INVALID_REPLICATION_FACTOR is retried until START_TIMEOUT (600 s) because
// the other brokers of a compose file may still be starting.
package entrypoint
