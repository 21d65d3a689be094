// Added to a temporary copy of the pstest package at build time (see build.sh): the packaged
// version only has NewServer(), which listens on a random port.
package pstest

import (
	"fmt"

	"cloud.google.com/go/internal/testutil"
	pb "google.golang.org/genproto/googleapis/pubsub/v1"
	"google.golang.org/grpc"
)

// NewServerAt is NewServer on 127.0.0.1:port, accepting messages up to 16 MiB (Pub/Sub's own
// limit is 10 MB; gRPC's default of 4 MiB would otherwise apply).
func NewServerAt(port int) (*Server, error) {
	srv, err := testutil.NewServerWithPort(port, grpc.MaxRecvMsgSize(16<<20))
	if err != nil {
		return nil, fmt.Errorf("listen on port %d: %w", port, err)
	}
	s := &Server{
		srv:  srv,
		Addr: srv.Addr,
		GServer: GServer{
			topics:   map[string]*topic{},
			subs:     map[string]*subscription{},
			msgsByID: map[string]*Message{},
		},
	}
	pb.RegisterPublisherServer(srv.Gsrv, &s.GServer)
	pb.RegisterSubscriberServer(srv.Gsrv, &s.GServer)
	srv.Start()
	return s, nil
}
