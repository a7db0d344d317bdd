module github.com/samsa-kafka/samsa

go 1.26.0

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/sirupsen/logrus v1.10.2
	github.com/twmb/franz-go/pkg/kmsg v1.15.1
	golang.org/x/sys v0.13.0
)
