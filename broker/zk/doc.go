// Package zk is Kafka's ZooKeeper schema (Apache Kafka 3.1, ZooKeeper mode)
// on top of go-zookeeper: the only package of the broker that knows znode
// paths and their JSON.
//
// Encoders reproduce the exact bytes of the Scala 2.13 build of Kafka
// (kafka_2.13-3.1.x), including the key order that falls out of Scala's
// hash maps, so that zookeeper-shell shows what a real cluster stores.
// Decoders accept every version Kafka accepts and do not care about key
// order.
//
// Every write made on behalf of the controller is a multi whose first op
// is check(/controller_epoch, epochZkVersion); a failed check surfaces as
// ErrControllerMoved.
//
// Watches are one-shot: Watch* methods return a channel that is closed when
// the watch fires or when it is lost (session expiry, Close). The caller
// re-reads and re-watches.
package zk
