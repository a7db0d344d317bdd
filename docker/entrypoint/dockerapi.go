package entrypoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// DockerSocket is where start-kafka.sh looks for the Docker socket.
const DockerSocket = "/var/run/docker.sock"

// PublishedPortFunc returns the lookup start-kafka.sh does with
// `docker port $(hostname) $KAFKA_PORT` when socket is a mounted Unix
// socket, or nil when it is not. It asks the Engine API directly (there
// is no docker CLI in the image): GET /containers/<container>/json and the
// first HostPort published for <port>/tcp.
func PublishedPortFunc(socket, container string) func(port int) (int, error) {
	if fi, err := os.Stat(socket); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return nil
	}
	return func(port int) (int, error) { return publishedPort(socket, container, port) }
}

func publishedPort(socket, container string, port int) (int, error) {
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}},
	}
	resp, err := client.Get("http://docker/containers/" + url.PathEscape(container) + "/json")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("docker API: GET /containers/%s/json: %s", container, resp.Status)
	}
	var info struct {
		NetworkSettings struct {
			Ports map[string][]struct{ HostIP, HostPort string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		return 0, fmt.Errorf("docker API: %w", err)
	}
	for _, b := range info.NetworkSettings.Ports[fmt.Sprintf("%d/tcp", port)] {
		if p, err := strconv.Atoi(b.HostPort); err == nil && p > 0 {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%d/tcp is not published", port)
}
