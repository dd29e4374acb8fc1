package demo

import (
	"io"

	"github.com/paulmach/orb"
)

// Streets is the demo city's street network (under construction: not yet
// generated, so Generate leaves City.Streets nil).
type Streets struct {
	// Nodes are the street nodes in WGS-84.
	Nodes []orb.Point
}

func buildStreets(c *City, seed uint64) (*Streets, error) { return nil, nil }

// WriteOSM writes the network as OpenStreetMap XML.
func (s *Streets) WriteOSM(w io.Writer) error { return nil }
