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
	go forgetPublished(srv)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	_ = srv.Close()
}

// forgetPublished empties, every second, the fake's record of every message ever published: it is
// kept for its Go test API (Server.Messages, Server.Message) and for Seek, none of which polyqueue
// uses, and it never shrank. A long test or bench session grew the heap by gigabytes, and with it
// the collector's work, which ran on the cores the client under test was measured on: from 0.7 to
// 2.7 s of CPU per 20,000-job bench run, most of a run's variance. Messages not yet acknowledged
// live in their subscriptions, which this does not touch; ModifyAckDeadline is patched (build.sh)
// not to dereference a cleared record.
func forgetPublished(srv *pstest.Server) {
	for range time.Tick(time.Second) {
		srv.ClearMessages()
	}
}
