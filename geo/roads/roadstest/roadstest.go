// Package roadstest provides walking networks of demo cities for tests and
// benchmarks of the packages that zone by walking distance, as
// net/http/httptest provides servers: one call instead of generating a
// city, writing its streets as OpenStreetMap XML and importing them.
package roadstest

import (
	"context"
	"io"
	"testing"

	"catchment/data/demo"
	"catchment/geo/roads"
)

// DemoCity generates the demo city cfg (with its streets) and returns it
// with the walking network of its streets under opts. It fails tb on any
// error; the network is built exactly as `catchment import --roads` would
// build it from the city's streets.osm.
func DemoCity(tb testing.TB, cfg demo.Config, opts roads.Options) (*demo.City, *roads.Network) {
	tb.Helper()
	if cfg.NoStreets {
		tb.Fatal("roadstest: the demo city needs its streets (Config.NoStreets is set)")
	}
	c, err := demo.Generate(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	nw, err := Network(c, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return c, nw
}

// Network imports city's streets (written as OpenStreetMap XML through a
// pipe) into a walking network with opts.
func Network(city *demo.City, opts roads.Options) (*roads.Network, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(city.Streets.WriteOSM(pw)) }()
	defer pr.Close()
	g, err := roads.Read(context.Background(), pr, roads.FormatXML, opts)
	if err != nil {
		return nil, err
	}
	return roads.NewNetwork(g, opts)
}
