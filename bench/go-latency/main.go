// Latency of one output binding call (Redis SET through bindings.redis) from a Go program, the way a
// Go function makes it: over the sidecar's gRPC API with dapr/go-sdk, over its HTTP API with
// net/http (one kept-alive connection each), and a SET sent straight to Redis (RESP over one TCP
// connection) as the baseline. Prints one JSON line of p50/p99 in milliseconds per path.
//
//	go run . -grpc PORT -http PORT -redis PORT -calls N
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"time"

	dapr "github.com/dapr/go-sdk/client"
)

func percentiles(samples []time.Duration) map[string]float64 {
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	at := func(q float64) float64 {
		return float64(samples[int(q*float64(len(samples)-1))].Microseconds()) / 1000
	}
	return map[string]float64{"p50": at(0.5), "p99": at(0.99)}
}

func timeCalls(n int, call func() error) map[string]float64 {
	for i := 0; i < n/10; i++ { // warm-up, not counted
		must(call())
	}
	samples := make([]time.Duration, n)
	for i := range samples {
		start := time.Now()
		must(call())
		samples[i] = time.Since(start)
	}
	return percentiles(samples)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	grpcPort := flag.Int("grpc", 0, "the sidecar's gRPC API port")
	httpPort := flag.Int("http", 0, "the sidecar's HTTP API port")
	redisPort := flag.Int("redis", 0, "Redis's port")
	calls := flag.Int("calls", 2000, "calls per path")
	flag.Parse()
	ctx := context.Background()

	client, err := dapr.NewClientWithAddress(fmt.Sprintf("127.0.0.1:%d", *grpcPort))
	must(err)
	defer client.Close()
	binding := &dapr.InvokeBindingRequest{Name: "cache", Operation: "create", Data: []byte(`"v"`), Metadata: map[string]string{"key": "k"}}
	viaGrpc := timeCalls(*calls, func() error { return client.InvokeOutputBinding(ctx, binding) })

	web := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}}
	url := fmt.Sprintf("http://127.0.0.1:%d/v1.0/bindings/cache", *httpPort)
	body := []byte(`{"operation":"create","data":"v","metadata":{"key":"k"}}`)
	viaHttp := timeCalls(*calls, func() error {
		res, err := web.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 {
			return fmt.Errorf("HTTP %d", res.StatusCode)
		}
		return nil
	})

	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", *redisPort))
	must(err)
	defer conn.Close()
	reader := bufio.NewReader(conn)
	set := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
	direct := timeCalls(*calls, func() error {
		if _, err := conn.Write(set); err != nil {
			return err
		}
		line, err := reader.ReadString('\n')
		if err == nil && line != "+OK\r\n" {
			err = fmt.Errorf("redis answered %q", line)
		}
		return err
	})

	out, _ := json.Marshal(map[string]interface{}{"grpc": viaGrpc, "http": viaHttp, "direct": direct})
	fmt.Println(string(out))
}
