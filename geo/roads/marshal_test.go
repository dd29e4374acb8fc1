package roads

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	m, _ := randomTown(t, 5)
	g := m.network(t, Options{}).Graph()
	blob, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Graph
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*g, back) {
		t.Fatal("graph changed through MarshalBinary/UnmarshalBinary")
	}
	for _, bad := range []struct {
		name string
		blob []byte
	}{
		{"empty", nil},
		{"magic only", []byte(binaryMagic)},
		{"truncated", blob[:len(blob)-1]},
		{"trailing", append(bytes.Clone(blob), 0)},
		{"foreign", []byte("SQLite format 3\x00")},
	} {
		if err := new(Graph).UnmarshalBinary(bad.blob); err == nil {
			t.Errorf("%s blob: no error", bad.name)
		}
	}
	// A corrupted edge end point is caught by validation.
	corrupt := bytes.Clone(blob)
	off := len(corrupt) - g.NumEdges()*(4+4+4+1) // start of edgeU
	corrupt[off], corrupt[off+1], corrupt[off+2], corrupt[off+3] = 0xff, 0xff, 0xff, 0x7f
	if err := new(Graph).UnmarshalBinary(corrupt); err == nil || !strings.Contains(err.Error(), "edge 0") {
		t.Errorf("corrupt edge: err = %v", err)
	}
}

// FuzzUnmarshalBinary: any blob either fails cleanly or decodes to a graph
// that re-encodes to the same bytes and answers queries without panicking.
func FuzzUnmarshalBinary(f *testing.F) {
	m := newMini()
	m.node("A", 0, 0, "highway=crossing")
	m.node("B", 100, 0)
	m.node("C", 100, 100)
	m.node("D", 0, 100)
	m.way("highway=primary", "A", "B")
	m.way("highway=footway", "B", "C", "A", "D")
	blob, _ := m.network(f, Options{}).Graph().MarshalBinary()
	f.Add(blob)
	blob, _ = riverTown(f, 2).network(f, Options{}).Graph().MarshalBinary() // with barrier edges
	f.Add(blob)
	f.Add([]byte(binaryMagic + "\x01\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var g Graph
		if err := g.UnmarshalBinary(data); err != nil {
			return
		}
		again, _ := g.MarshalBinary()
		if !bytes.Equal(again, data) {
			t.Fatal("decoded graph re-encodes differently")
		}
		nw, err := NewNetwork(&g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_ = nw.Meters(pt(0, 0), pt(100, 100))
	})
}

// FuzzRead: the OSM reading entry point never panics on garbage, in any of
// the three encodings, and whatever it accepts is a valid graph.
func FuzzRead(f *testing.F) {
	m := newMini()
	m.node("A", 0, 0, "highway=crossing")
	m.node("B", 100, 0)
	m.node("C", 100, 100)
	m.way("highway=primary", "A", "B")
	m.way("highway=footway", "B", "C", "A")
	f.Add(byte(0), []byte(m.xml()))
	// Barriers: a river bridged once, a railway with a level crossing, a
	// water area crossed by a footway, a tunnelled railway.
	b := newMini()
	for i, n := range []string{"a", "b", "c", "d", "e", "f"} {
		b.node(n, float64(i)*50, float64(i%2)*80-40)
	}
	b.node("x", 0, 0, "railway=level_crossing")
	b.way("highway=footway", "a", "x", "b", "c")
	b.way("highway=footway;bridge=yes", "c", "d", "e", "f")
	b.way("waterway=river", "e", "b")
	b.way("railway=rail", "d", "x", "f")
	b.way("natural=water", "a", "c", "e", "a")
	b.way("railway=rail;tunnel=yes", "b", "f")
	f.Add(byte(0), []byte(b.xml()))
	f.Add(byte(0), []byte(`<osm><node id="1" lat="91" lon="0"/><way id="2"><nd ref="1"/><nd ref="9"/><tag k="highway" v="path"/></way></osm>`))
	f.Add(byte(1), []byte("BZh91AY&SY"))
	f.Add(byte(2), []byte("\x00\x00\x00\x0d\x0a\x09OSMHeader"))
	f.Fuzz(func(t *testing.T, format byte, data []byte) {
		g, err := Read(context.Background(), bytes.NewReader(data), Format(format%3), Options{MinComponentNodes: -1})
		if err != nil {
			return
		}
		for e := range g.NumEdges() {
			ed := g.Edge(e)
			if ed.U >= ed.V || int(ed.V) >= g.NumNodes() || ed.Meters < 0 {
				t.Fatalf("bad edge %+v", ed)
			}
		}
		if int(g.Stats().BarrierEdges) != len(g.barrierEdges) || len(g.barrierEdges) != len(g.barrierAt) {
			t.Fatalf("%d barrier edges in the stats, %d flagged", g.Stats().BarrierEdges, len(g.barrierEdges))
		}
		for e := range g.NumEdges() {
			if ed := g.Edge(e); !(ed.BarrierAt >= 0 && ed.BarrierAt <= 1) {
				t.Fatalf("edge %+v: barrier position outside [0, 1]", ed)
			}
		}
		nw, err := NewNetwork(g, Options{BarrierPenaltyMeters: 100})
		if err != nil {
			t.Fatal(err)
		}
		_ = nw.Meters(pt(0, 0), pt(100, 100))
	})
}
