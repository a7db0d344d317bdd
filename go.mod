module github.com/samsa-kafka/samsa

go 1.26.0

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/sirupsen/logrus v1.10.2
	golang.org/x/sys v0.13.0
)
