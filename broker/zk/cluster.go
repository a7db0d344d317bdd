package zk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// EncodeClusterID renders /cluster/id: {"version":"1","id":"<id>"} (the
// version is a JSON string).
func EncodeClusterID(id string) []byte {
	o := newObj(nil)
	o.str("version", "1")
	o.str("id", id)
	return o.done()
}

// DecodeClusterID parses /cluster/id.
func DecodeClusterID(data []byte) (string, error) {
	var v struct {
		ID *string `json:"id"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.ID == nil {
		return "", fmt.Errorf("zk: failed to parse the cluster id json %q", data)
	}
	return *v.ID, nil
}

// GetClusterID reads /cluster/id; ok is false when it is absent.
func (c *Client) GetClusterID() (id string, ok bool, err error) {
	data, _, ok, err := c.getData(ClusterIDPath)
	if err != nil || !ok {
		return "", false, err
	}
	id, err = DecodeClusterID(data)
	return id, err == nil, err
}

// GetOrCreateClusterID reads /cluster/id, creating it (and /cluster) with
// a fresh random id if absent; a lost creation race returns the winner's
// id (KafkaServer.getOrGenerateClusterId).
func (c *Client) GetOrCreateClusterID() (string, error) {
	id, ok, err := c.GetClusterID()
	if err != nil || ok {
		return id, err
	}
	proposed := UUIDString(NewUUID())
	err = c.createRecursive(ClusterIDPath, EncodeClusterID(proposed))
	if err == nil {
		c.log.WithField("cluster_id", proposed).Info("created cluster id")
		return proposed, nil
	}
	if !errors.Is(err, ErrNodeExists) {
		return "", err
	}
	id, ok, err = c.GetClusterID()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("zk: failed to get the cluster id: %s was deleted while reading it", ClusterIDPath)
	}
	return id, nil
}

// GenerateBrokerID bumps /brokers/seqid (setData of empty bytes, any
// version, creating the node if missing) and returns its new dataVersion +
// reservedMax, so the first generated id is reservedMax+1
// (KafkaZkClient.generateBrokerSequenceId).
func (c *Client) GenerateBrokerID(reservedMax int32) (int32, error) {
	for attempt := 0; ; attempt++ {
		st, err := c.setData(BrokerSeqIDPath, []byte{}, -1)
		if err == nil {
			return st.Version + reservedMax, nil
		}
		if !errors.Is(err, ErrNoNode) || attempt > 0 {
			return 0, err
		}
		if err := c.createRecursive(BrokerSeqIDPath, []byte{}); err != nil && !errors.Is(err, ErrNodeExists) {
			return 0, err
		}
	}
}

// FeatureZNode is the content of /feature.
type FeatureZNode struct {
	Version  int32
	Status   int32 // 1 enabled, 0 disabled
	Features map[string]map[string]int32
}

// EncodeFeatureZNode renders /feature (Scala 2.13 order
// {"features":{...},"version":1,"status":1}); features of finalized
// versions are written with sorted keys ({"min_version_level":..,
// "max_version_level":..} in that order).
func EncodeFeatureZNode(f FeatureZNode) []byte {
	o := newObj(nil)
	o.raw("features", appendFeatures(nil, f.Features, "min_version_level", "max_version_level"))
	o.int("version", int64(f.Version))
	o.int("status", int64(f.Status))
	return o.done()
}

func appendFeatures(b []byte, fs map[string]map[string]int32, keys ...string) []byte {
	o := newObj(b)
	for _, name := range sortedKeys(fs) {
		inner := newObj(nil)
		for _, k := range keys {
			if v, ok := fs[name][k]; ok {
				inner.int(k, int64(v))
			}
		}
		o.raw(name, inner.done())
	}
	return o.done()
}

// DecodeFeatureZNode parses /feature.
func DecodeFeatureZNode(data []byte) (FeatureZNode, error) {
	var v struct {
		Version  *int32                      `json:"version"`
		Status   *int32                      `json:"status"`
		Features map[string]map[string]int32 `json:"features"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return FeatureZNode{}, fmt.Errorf("zk: failed to parse feature information %q: %w", data, err)
	}
	if v.Version == nil || *v.Version < 1 || v.Status == nil || v.Features == nil {
		return FeatureZNode{}, fmt.Errorf("zk: malformed feature information %q", data)
	}
	return FeatureZNode{Version: *v.Version, Status: *v.Status, Features: v.Features}, nil
}

// EnsureFeatureZNode is the controller's enableFeatureVersioning for a ZK
// cluster: create /feature as {"features":{},"version":1,"status":1} if
// absent, or rewrite it as enabled (keeping finalized features of an
// enabled node, dropping those of a disabled one) if it differs. The write
// is fenced by the controller epoch (Kafka itself writes it unfenced).
func (c *Client) EnsureFeatureZNode(epochZkVersion int32) error {
	data, st, ok, err := c.getData(FeaturePath)
	if err != nil {
		return err
	}
	want := FeatureZNode{Version: 1, Status: 1, Features: map[string]map[string]int32{}}
	if !ok {
		_, err := c.epochMulti(epochZkVersion, opCreate{FeaturePath, EncodeFeatureZNode(want), 0})
		if errors.Is(err, ErrNodeExists) {
			return c.EnsureFeatureZNode(epochZkVersion)
		}
		return err
	}
	cur, err := DecodeFeatureZNode(data)
	if err != nil {
		return err
	}
	if cur.Status == 1 {
		want.Features = cur.Features
	}
	enc := EncodeFeatureZNode(want)
	if string(enc) == string(data) {
		return nil
	}
	_, err = c.epochMulti(epochZkVersion, opSet{FeaturePath, enc, st.Version})
	return err
}

// ProducerIDBlockSize is the number of producer ids per block.
const ProducerIDBlockSize = 1000

// EncodeProducerIDBlock renders /latest_producer_id_block:
// {"version":1,"broker":B,"block_start":"S","block_end":"E"}.
func EncodeProducerIDBlock(brokerID int32, start, end int64) []byte {
	o := newObj(nil)
	o.int("version", 1)
	o.int("broker", int64(brokerID))
	o.str("block_start", strconv.FormatInt(start, 10))
	o.str("block_end", strconv.FormatInt(end, 10))
	return o.done()
}

// DecodeProducerIDBlock parses /latest_producer_id_block.
func DecodeProducerIDBlock(data []byte) (brokerID int32, start, end int64, err error) {
	var v struct {
		Broker     *int32  `json:"broker"`
		BlockStart *string `json:"block_start"`
		BlockEnd   *string `json:"block_end"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.Broker == nil || v.BlockStart == nil || v.BlockEnd == nil {
		return 0, 0, 0, fmt.Errorf("zk: failed to parse the producerId block json %q", data)
	}
	start, err1 := strconv.ParseInt(*v.BlockStart, 10, 64)
	end, err2 := strconv.ParseInt(*v.BlockEnd, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, 0, fmt.Errorf("zk: producerId block json %q has invalid numbers", data)
	}
	return *v.Broker, start, end, nil
}

// AllocateProducerIDBlock reserves the next block of ProducerIDBlockSize
// producer ids for brokerID in /latest_producer_id_block with a
// compare-and-set on its version, retrying lost races
// (ZkProducerIdManager.getNewProducerIdBlock). The first block is 0..999.
func (c *Client) AllocateProducerIDBlock(brokerID int32) (start, end int64, err error) {
	for {
		data, st, ok, err := c.getData(ProducerIDBlockPath)
		if err != nil {
			return 0, 0, err
		}
		start = 0
		if ok && len(data) > 0 {
			_, _, curEnd, err := DecodeProducerIDBlock(data)
			if err != nil {
				return 0, 0, err
			}
			if curEnd > (1<<63-1)-ProducerIDBlockSize {
				return 0, 0, errors.New("zk: have exhausted all producerIds")
			}
			start = curEnd + 1
		}
		end = start + ProducerIDBlockSize - 1
		enc := EncodeProducerIDBlock(brokerID, start, end)
		if !ok {
			_, err = c.create(ProducerIDBlockPath, enc, 0)
			if errors.Is(err, ErrNodeExists) {
				continue
			}
		} else {
			_, err = c.setData(ProducerIDBlockPath, enc, st.Version)
			if errors.Is(err, ErrBadVersion) {
				continue
			}
		}
		if err != nil {
			return 0, 0, err
		}
		c.log.Debugf("acquired producer id block %d-%d for broker %d", start, end, brokerID)
		return start, end, nil
	}
}
