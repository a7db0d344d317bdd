package zk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EncodeController renders /controller:
// {"version":1,"brokerid":N,"timestamp":"<ms>"} (Kafka 3.0-3.3).
func EncodeController(id int32, ts int64) []byte {
	o := newObj(nil)
	o.int("version", 1)
	o.int("brokerid", int64(id))
	o.str("timestamp", strconv.FormatInt(ts, 10))
	return o.done()
}

// DecodeController returns the brokerid of a /controller value.
func DecodeController(data []byte) (int32, error) {
	var v struct {
		BrokerID *int32 `json:"brokerid"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.BrokerID == nil {
		return 0, fmt.Errorf("zk: malformed %s value %q", ControllerPath, data)
	}
	return *v.BrokerID, nil
}

// GetController reads /controller; ok is false when there is no controller.
func (c *Client) GetController() (id int32, ok bool, err error) {
	data, _, ok, err := c.getData(ControllerPath)
	if err != nil || !ok {
		return -1, false, err
	}
	id, err = DecodeController(data)
	if err != nil {
		return -1, false, err
	}
	return id, true, nil
}

// WatchController reads /controller with a data watch, or an exists watch
// when it is absent, so changed closes on creation, change and deletion.
func (c *Client) WatchController() (id int32, ok bool, changed <-chan struct{}, err error) {
	data, _, ok, ch, err := c.getDataW(ControllerPath)
	if err != nil {
		return -1, false, nil, err
	}
	if !ok {
		return -1, false, ch, nil
	}
	id, err = DecodeController(data)
	if err != nil {
		return -1, false, ch, err
	}
	return id, true, ch, nil
}

// GetControllerEpoch reads /controller_epoch and its dataVersion.
func (c *Client) GetControllerEpoch() (epoch int32, zkVersion int32, ok bool, err error) {
	data, st, ok, err := c.getData(ControllerEpochPath)
	if err != nil || !ok {
		return 0, 0, false, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 32)
	if err != nil {
		return 0, 0, false, fmt.Errorf("zk: malformed %s value %q", ControllerEpochPath, data)
	}
	return int32(n), st.Version, true, nil
}

// ElectController tries to make broker id the controller, as Kafka's
// registerControllerAndIncrementControllerEpoch: read /controller_epoch
// (creating it with "0" if absent), then one multi creating the ephemeral
// /controller and setting /controller_epoch to epoch+1 at the version just
// read. On success it returns the new epoch and the epoch node's new
// dataVersion (the epochZkVersion that fences every later controller
// write). On NodeExists/BadVersion it re-reads both nodes: it still won if
// /controller names it and the epoch is the one it tried to write
// (a retried request); otherwise it lost (won false, err nil).
func (c *Client) ElectController(id int32) (won bool, epoch int32, epochZkVersion int32, err error) {
	cur, curVersion, ok, err := c.GetControllerEpoch()
	if err != nil {
		return false, 0, 0, err
	}
	if !ok {
		_, err := c.create(ControllerEpochPath, []byte("0"), 0)
		switch {
		case err == nil:
			c.log.Infof("created %s with initial epoch 0", ControllerEpochPath)
			cur, curVersion = 0, 0
		case errors.Is(err, ErrNodeExists):
			cur, curVersion, ok, err = c.GetControllerEpoch()
			if err != nil {
				return false, 0, 0, err
			}
			if !ok {
				return false, 0, 0, fmt.Errorf("zk: %s existed before but went away while reading it", ControllerEpochPath)
			}
		default:
			return false, 0, 0, err
		}
	}
	newEpoch := cur + 1
	c.log.Debugf("trying to create %s and increment controller epoch to %d with expected epoch zkVersion %d",
		ControllerPath, newEpoch, curVersion)
	res, err := c.multi(
		opCreate{ControllerPath, EncodeController(id, time.Now().UnixMilli()), flagEphemeral},
		opSet{ControllerEpochPath, []byte(strconv.Itoa(int(newEpoch))), curVersion})
	if err == nil {
		return true, newEpoch, res[1].Stat.Version, nil
	}
	if !errors.Is(err, ErrNodeExists) && !errors.Is(err, ErrBadVersion) {
		return false, 0, 0, err
	}
	// checkControllerAndEpoch
	holder, ok, err := c.GetController()
	if err != nil {
		return false, 0, 0, err
	}
	if ok && holder == id {
		e, v, ok, err := c.GetControllerEpoch()
		if err != nil {
			return false, 0, 0, err
		}
		if ok && e == newEpoch {
			return true, newEpoch, v, nil
		}
	}
	return false, 0, 0, nil
}

// ResignController deletes /controller behind the epoch check
// (KafkaZkClient.deleteController); a missing node is not an error,
// a stale epochZkVersion is ErrControllerMoved.
func (c *Client) ResignController(epochZkVersion int32) error {
	_, err := c.epochMulti(epochZkVersion, opDelete{ControllerPath, -1})
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	return err
}
