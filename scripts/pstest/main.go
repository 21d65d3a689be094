// Command pstest-server serves Google's Pub/Sub fake (cloud.google.com/go/pubsub/pstest) on a fixed
// loopback port, for polyqueue's Pub/Sub conformance tests and benchmarks. Built by build.sh.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"cloud.google.com/go/pubsub/pstest"
)

func main() {
	port := flag.Int("port", 8085, "TCP port on 127.0.0.1")
	minAck := flag.Int("min-ack-deadline", 1, "smallest ackDeadlineSeconds accepted (the real service: 10)")
	flag.Parse()
	// The real service allows 10-600 s; tests use leases of a second or two.
	pstest.SetMinAckDeadline(time.Duration(*minAck) * time.Second)
	srv, err := pstest.NewServerAt(*port)
	if err != nil {
		log.Fatalf("pstest-server: %v", err)
	}
	fmt.Printf("pstest-server listening on %s (min ack deadline %d s)\n", srv.Addr, *minAck)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	_ = srv.Close()
}
