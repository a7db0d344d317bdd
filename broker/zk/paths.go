package zk

import "strconv"

// Znode paths, chroot-relative (AK: core/src/main/scala/kafka/zk/ZkData.scala).
const (
	ClusterIDPath               = "/cluster/id"
	ControllerPath              = "/controller"
	ControllerEpochPath         = "/controller_epoch"
	BrokersPath                 = "/brokers"
	BrokerIDsPath               = "/brokers/ids"
	BrokerSeqIDPath             = "/brokers/seqid"
	TopicsPath                  = "/brokers/topics"
	ConfigPath                  = "/config"
	ConfigChangesPath           = "/config/changes"
	ConfigChangePrefix          = "config_change_"
	AdminPath                   = "/admin"
	DeleteTopicsPath            = "/admin/delete_topics"
	ReassignPartitionsPath      = "/admin/reassign_partitions"
	PreferredElectionPath       = "/admin/preferred_replica_election"
	IsrChangeNotificationPath   = "/isr_change_notification"
	LogDirEventNotificationPath = "/log_dir_event_notification"
	ProducerIDBlockPath         = "/latest_producer_id_block"
	FeaturePath                 = "/feature"
)

// BrokerPath is /brokers/ids/<id>.
func BrokerPath(id int32) string { return BrokerIDsPath + "/" + strconv.Itoa(int(id)) }

// TopicPath is /brokers/topics/<topic>.
func TopicPath(topic string) string { return TopicsPath + "/" + topic }

// PartitionsPath is /brokers/topics/<topic>/partitions.
func PartitionsPath(topic string) string { return TopicPath(topic) + "/partitions" }

// PartitionPath is /brokers/topics/<topic>/partitions/<p>.
func PartitionPath(topic string, p int32) string {
	return PartitionsPath(topic) + "/" + strconv.Itoa(int(p))
}

// PartitionStatePath is /brokers/topics/<topic>/partitions/<p>/state.
func PartitionStatePath(topic string, p int32) string { return PartitionPath(topic, p) + "/state" }

// EntityConfigPath is /config/<entityType>/<name>.
func EntityConfigPath(entityType, name string) string {
	return ConfigPath + "/" + entityType + "/" + name
}

// DeleteTopicPath is /admin/delete_topics/<topic>.
func DeleteTopicPath(topic string) string { return DeleteTopicsPath + "/" + topic }
