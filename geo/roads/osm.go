package roads

import (
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// Format is an OpenStreetMap file encoding.
type Format int

// The supported encodings.
const (
	FormatXML      Format = iota // .osm
	FormatXMLBzip2               // .osm.bz2
	FormatPBF                    // .osm.pbf
)

// String returns the usual file suffix of the format.
func (f Format) String() string {
	switch f {
	case FormatXML:
		return ".osm"
	case FormatXMLBzip2:
		return ".osm.bz2"
	case FormatPBF:
		return ".osm.pbf"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

// FormatOf guesses the format from a file name's suffix (.pbf, .bz2, else XML).
func FormatOf(name string) Format {
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, ".pbf"):
		return FormatPBF
	case strings.HasSuffix(l, ".bz2"):
		return FormatXMLBzip2
	}
	return FormatXML
}

// ReadFile imports the OpenStreetMap extract at path (format from its
// suffix, see FormatOf) into a walking graph.
func ReadFile(ctx context.Context, path string, opts Options) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("roads: open OSM extract: %w", err)
	}
	defer f.Close()
	g, err := Read(ctx, f, FormatOf(path), opts)
	if err != nil {
		return nil, fmt.Errorf("roads: %s: %w", path, err)
	}
	return g, nil
}

// Read streams an OpenStreetMap extract from r and builds the walking graph
// (see the package doc for which ways are kept). Every node position is held
// in memory (16 bytes a node) until the ways are resolved; way references to
// nodes missing from the extract drop only the segments that touch them.
// Malformed input yields an error, never a panic. It stops with ctx's error
// when ctx is cancelled.
func Read(ctx context.Context, r io.Reader, format Format, opts Options) (*Graph, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	raw, err := readRaw(ctx, r, format)
	if err != nil {
		return nil, err
	}
	g := raw.build(opts.MinComponentNodes)
	slog.Info("roads: imported OSM extract", "format", format.String(), "graph", g.String(),
		"walkable_ways", g.stats.WalkableWays, "barrier_edges", g.stats.BarrierEdges, "dropped_components", g.stats.DroppedComponents,
		"missing_node_refs", g.stats.MissingNodeRefs, "elapsed", time.Since(start).Round(time.Millisecond))
	return g, nil
}

// readRaw scans the extract into the importer's raw form.
func readRaw(ctx context.Context, r io.Reader, format Format) (*rawOSM, error) {
	var sc osm.Scanner
	switch format {
	case FormatXML:
		sc = osmxml.New(ctx, r)
	case FormatXMLBzip2:
		sc = osmxml.New(ctx, bzip2.NewReader(r))
	case FormatPBF:
		ps := osmpbf.New(ctx, r, 2)
		ps.SkipRelations = true
		ps.FilterWay = func(w *osm.Way) bool { return w.Tags.Find("highway") != "" || isBarrier(w.Tags) }
		sc = ps
	default:
		return nil, fmt.Errorf("roads: unknown OSM format %d", int(format))
	}
	defer sc.Close()

	raw := newRawOSM()
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			raw.stats.OSMNodes++
			if math.IsNaN(o.Lat) || math.IsNaN(o.Lon) || math.Abs(o.Lat) > 90 || math.Abs(o.Lon) > 180 {
				continue // treated as missing: segments touching it are dropped
			}
			raw.addNode(int64(o.ID), o.Lon, o.Lat, o.Tags.Find("highway") == "crossing")
		case *osm.Way:
			raw.stats.OSMWays++
			c := classify(o.Tags)
			bk, kind := barrierClass(o.Tags)
			if (c == 0 && bk == notBarrier) || len(o.Nodes) < 2 {
				continue
			}
			refs := make([]int64, len(o.Nodes))
			for i, wn := range o.Nodes {
				refs[i] = int64(wn.ID)
			}
			if c != 0 {
				raw.addWay(refs, c)
			}
			if bk != notBarrier {
				raw.addBarrier(refs, bk, kind)
			}
		}
	}
	if err := sc.Err(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("read %s: %w", format, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return raw, nil
}
