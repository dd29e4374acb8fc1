package demo

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmxml"
)

var streetConfigs = []Config{testConfigs[0], testConfigs[1]}

// TestStreetsOSM parses streets.osm with paulmach/osm, the library the
// road graph uses, and checks it is standard OSM XML matching Streets.
func TestStreetsOSM(t *testing.T) {
	c := city(t, streetConfigs[0])
	s := c.Streets
	var buf bytes.Buffer
	if err := s.WriteOSM(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\"") {
		t.Fatalf("not an OSM 0.6 document: %.80s", buf.String())
	}
	sc := osmxml.New(context.Background(), &buf)
	defer sc.Close()
	nodes := map[osm.NodeID]bool{}
	tags := map[string]int{}
	var nWays, crossings, bridges, tunnels int
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			if nWays > 0 {
				t.Fatal("node after a way")
			}
			i := int(o.ID) - 1
			if i < 0 || i >= len(s.Nodes) || o.Lon != s.Nodes[i][0] || o.Lat != s.Nodes[i][1] {
				t.Fatalf("node %d at %v,%v does not match Streets", o.ID, o.Lon, o.Lat)
			}
			nodes[o.ID] = true
			if o.Tags.Find("highway") == "crossing" {
				crossings++
			}
		case *osm.Way:
			nWays++
			if len(o.Nodes) < 2 {
				t.Fatalf("way %d has %d nodes", o.ID, len(o.Nodes))
			}
			for _, wn := range o.Nodes {
				if !nodes[wn.ID] {
					t.Fatalf("way %d refers to unknown node %d", o.ID, wn.ID)
				}
			}
			for _, k := range []string{"highway", "railway", "waterway", "natural"} {
				if v := o.Tags.Find(k); v != "" {
					tags[k+"="+v]++
				}
			}
			if o.Tags.Find("tunnel") == "yes" {
				tunnels++
				if o.Tags.Find("layer") != "-1" {
					t.Errorf("tunnel way %d without layer=-1", o.ID)
				}
			}
			if o.Tags.Find("bridge") == "yes" {
				bridges++
				if o.Tags.Find("layer") != "1" {
					t.Errorf("bridge way %d without layer=1", o.ID)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(nodes) != len(s.Nodes) || nWays != len(s.Ways) {
		t.Fatalf("read %d nodes, %d ways; want %d, %d", len(nodes), nWays, len(s.Nodes), len(s.Ways))
	}
	for _, want := range []string{
		"highway=footway", "highway=service", "highway=residential", "highway=tertiary",
		"highway=secondary", "highway=primary", "highway=trunk", "highway=motorway",
		"highway=motorway_link", "railway=rail", "waterway=river", "natural=water",
	} {
		if tags[want] == 0 {
			t.Errorf("no way tagged %s", want)
		}
	}
	if crossings == 0 || bridges == 0 || tunnels == 0 {
		t.Errorf("%d crossing nodes, %d bridges, %d underpasses: want some of each", crossings, bridges, tunnels)
	}
}

// TestStreetsBarriers checks that the river, the railway and the motorway
// are crossed only on bridges, and that there are a few bridges over each.
func TestStreetsBarriers(t *testing.T) {
	for _, cfg := range streetConfigs {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			s, lay := c.Streets, c.lay
			var over [numBarriers]int
			for i, w := range s.Ways {
				if !w.Kind.Walkable() {
					continue
				}
				ns := s.WayNodes(i)
				crossed := uint8(0)
				for k, nd := range ns {
					x, y := s.xs[nd], s.ys[nd]
					if !w.Bridge && !w.Tunnel && lay.clearance(x, y) < 0 {
						t.Fatalf("way %d (%s) node %d inside a corridor", i, w.Kind, nd)
					}
					if k > 0 {
						crossed |= lay.sides(x, y) ^ lay.sides(s.xs[ns[k-1]], s.ys[ns[k-1]])
					}
				}
				if crossed != 0 && !w.Bridge && !w.Tunnel {
					t.Fatalf("way %d (%s) crosses barriers %b without a bridge", i, w.Kind, crossed)
				}
				for b := range numBarriers {
					if crossed&(1<<b) != 0 {
						over[b]++
					}
				}
			}
			for b := range numBarriers {
				if over[b] == 0 || over[b] > 120 {
					t.Errorf("barrier %d has %d bridges, want a few", b, over[b])
				}
			}
		})
	}
}

// TestStreetsReachEveryone checks that one walking component holds nearly
// every street node, every point unit's lane and a node near every unit and
// school.
func TestStreetsReachEveryone(t *testing.T) {
	for _, cfg := range streetConfigs {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			s := c.Streets
			uf := s.walkComponents()
			walk := make([]bool, len(s.Nodes))
			for i, w := range s.Ways {
				if w.Kind.Walkable() {
					for _, nd := range s.WayNodes(i) {
						walk[nd] = true
					}
				}
			}
			size := map[int32]int{}
			total := 0
			for i, ok := range walk {
				if ok {
					size[uf.find(int32(i))]++
					total++
				}
			}
			var main int32
			for r, n := range size {
				if n > size[main] || (n == size[main] && r < main) {
					main = r
				}
			}
			if frac := float64(size[main]) / float64(total); frac < 0.995 {
				t.Errorf("largest walking component holds %.4f of the walkable nodes", frac)
			}
			// A coarse hash of main-component nodes for proximity checks.
			const cell = 100.0
			type key struct{ i, j int }
			near := map[key][]int32{}
			for i, ok := range walk {
				if ok && uf.find(int32(i)) == main {
					k := key{int(math.Floor(s.xs[i] / cell)), int(math.Floor(s.ys[i] / cell))}
					near[k] = append(near[k], int32(i))
				}
			}
			closest := func(x, y float64) float64 {
				best := math.Inf(1)
				ci, cj := int(math.Floor(x/cell)), int(math.Floor(y/cell))
				for di := -2; di <= 2; di++ {
					for dj := -2; dj <= 2; dj++ {
						for _, nd := range near[key{ci + di, cj + dj}] {
							best = min(best, math.Hypot(s.xs[nd]-x, s.ys[nd]-y))
						}
					}
				}
				return best
			}
			for i, u := range c.units {
				if nd := s.unitNode[i]; u.kind != kindCompound && (nd < 0 || uf.find(nd) != main) {
					t.Fatalf("point unit %d is not on the main walking network", i)
				}
				if d := closest(u.x, u.y); d > 60 {
					t.Fatalf("unit %d (%v) is %.0f m from the walking network", i, u.kind, d)
				}
			}
			for i, si := range c.sch {
				if d := closest(si.x, si.y); d > 5 {
					t.Fatalf("school %d is %.0f m from the walking network", i, d)
				}
			}
		})
	}
}

// TestStreetsScale checks the node density: about one node per pupil in
// the default city, so a small city has at least one per two pupils.
func TestStreetsScale(t *testing.T) {
	for _, cfg := range streetConfigs {
		c := city(t, cfg)
		if n := len(c.Streets.Nodes); n < cfg.Pupils/2 {
			t.Errorf("%d pupils: %d street nodes, want ≥ %d", cfg.Pupils, n, cfg.Pupils/2)
		}
	}
}

func TestLineKind(t *testing.T) {
	for _, tc := range []struct {
		idx   int
		dense bool
		want  WayKind
		ok    bool
	}{
		{0, true, Trunk, true},
		{0, false, Trunk, true},
		{16, true, Primary, true},
		{-16, true, Primary, true},
		{8, true, Secondary, true},
		{4, true, Tertiary, true},
		{64, false, Primary, true},
		{32, false, Secondary, true},
		{16, false, Tertiary, true},
		{8, false, Residential, true},
		{4, false, Service, true},
		{2, true, Residential, true},
		{1, true, Service, true},
		{3, true, Footway, true},
		{-1, true, Footway, true},
		{2, false, 0, false},
	} {
		got, ok := lineKind(tc.idx, tc.dense)
		if got != tc.want || ok != tc.ok {
			t.Errorf("lineKind(%d, %v) = %v, %v; want %v, %v", tc.idx, tc.dense, got, ok, tc.want, tc.ok)
		}
	}
}

func BenchmarkWriteOSM(b *testing.B) {
	c, err := Generate(Config{Pupils: 100_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := c.Streets.WriteOSM(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func TestWayKind(t *testing.T) {
	for _, tc := range []struct {
		k        WayKind
		name     string
		walkable bool
	}{
		{Footway, "footway", true},
		{Trunk, "trunk", true},
		{Motorway, "motorway", false},
		{MotorwayLink, "motorway_link", false},
		{Rail, "rail", false},
		{River, "river", false},
		{Water, "water", false},
		{numWayKinds, "waykind(12)", false},
	} {
		if got := tc.k.String(); got != tc.name {
			t.Errorf("WayKind(%d).String() = %q, want %q", tc.k, got, tc.name)
		}
		if got := tc.k.Walkable(); got != tc.walkable {
			t.Errorf("%s.Walkable() = %v, want %v", tc.name, got, tc.walkable)
		}
	}
}
