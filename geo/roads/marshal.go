package roads

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"

	"catchment/geo"
)

// binaryMagicPrefix and the format version start every marshalled graph.
// Version 2 added the barrier flags, the barrier positions and the barrier
// counts of ImportStats; version 3 the kinds of every barrier edge
// (geo.BarrierKind). An older blob is rejected (re-import the extract)
// rather than read without them.
const (
	binaryMagicPrefix = "CATCHMENT-ROADS-"
	binaryVersion     = "3"
	binaryMagic       = binaryMagicPrefix + binaryVersion
)

// MarshalBinary encodes the graph (nodes, edges, flags, components, import
// stats) as a little-endian blob for caching, e.g. in the scenario store.
// The CSR adjacency is rebuilt on decoding rather than stored.
func (g *Graph) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(binaryMagic)
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) } // bytes.Buffer writes cannot fail
	w(uint64(len(g.coords)))
	w(uint64(len(g.edgeU)))
	w(uint64(len(g.compSize)))
	w(g.stats)
	flat := make([]float64, 2*len(g.coords))
	for i, p := range g.coords {
		flat[2*i], flat[2*i+1] = p[0], p[1]
	}
	w(flat)
	w(g.osmIDs)
	w(g.nodeFlags)
	w(g.comp)
	w(g.compSize)
	w(g.edgeU)
	w(g.edgeV)
	w(g.edgeLen)
	w(g.edgeFlags)
	w(g.barrierAt)    // one per edge flagged edgeBarrier, in edge order
	w(g.barrierKinds) // likewise
	return b.Bytes(), nil
}

// UnmarshalBinary decodes a blob written by MarshalBinary into g, checking
// every count, index and length, so a corrupt or foreign blob yields an
// error rather than a panic or a graph that breaks the invariants.
func (g *Graph) UnmarshalBinary(data []byte) error {
	if !bytes.HasPrefix(data, []byte(binaryMagic)) {
		if rest, ok := bytes.CutPrefix(data, []byte(binaryMagicPrefix)); ok && len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
			return fmt.Errorf("roads: walking-graph blob format version %c, want %s: re-import the OSM extract", rest[0], binaryVersion)
		}
		return errors.New("roads: not a walking-graph blob (bad magic)")
	}
	r := bytes.NewReader(data[len(binaryMagic):])
	var n, m, nc uint64
	var st ImportStats
	for _, v := range []any{&n, &m, &nc, &st} {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return fmt.Errorf("roads: walking-graph blob header: %w", err)
		}
	}
	need := n*(16+8+1+4) + nc*4 + m*(4+4+4+1)
	if n > math.MaxInt32 || m > math.MaxInt32 || nc > n || uint64(r.Len()) < need {
		return fmt.Errorf("roads: walking-graph blob: %d nodes, %d edges, %d components do not match %d bytes", n, m, nc, r.Len())
	}
	out := Graph{stats: st}
	flat := make([]float64, 2*n)
	out.osmIDs = make([]int64, n)
	out.nodeFlags = make([]uint8, n)
	out.comp = make([]int32, n)
	out.compSize = make([]int32, nc)
	out.edgeU = make([]int32, m)
	out.edgeV = make([]int32, m)
	out.edgeLen = make([]float32, m)
	out.edgeFlags = make([]uint8, m)
	for _, v := range []any{flat, out.osmIDs, out.nodeFlags, out.comp, out.compSize, out.edgeU, out.edgeV, out.edgeLen, out.edgeFlags} {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return fmt.Errorf("roads: walking-graph blob body: %w", err)
		}
	}
	for e, f := range out.edgeFlags {
		if f&edgeBarrier != 0 {
			out.barrierEdges = append(out.barrierEdges, int32(e))
		}
	}
	if uint64(r.Len()) != uint64(len(out.barrierEdges))*(4+1) {
		return fmt.Errorf("roads: walking-graph blob: %d barrier edges do not match %d bytes left", len(out.barrierEdges), r.Len())
	}
	if len(out.barrierEdges) > 0 {
		out.barrierAt = make([]float32, len(out.barrierEdges))
		out.barrierKinds = make([]geo.BarrierKind, len(out.barrierEdges))
		for _, v := range []any{out.barrierAt, out.barrierKinds} {
			if err := binary.Read(r, binary.LittleEndian, v); err != nil {
				return fmt.Errorf("roads: walking-graph blob barriers: %w", err)
			}
		}
	}
	for i, t := range out.barrierAt {
		if !(t >= 0 && t <= 1) {
			return fmt.Errorf("roads: walking-graph blob: barrier edge %d crosses at bad position %v", out.barrierEdges[i], t)
		}
		if k := out.barrierKinds[i]; k == 0 || k&^geo.AllBarrierKinds != 0 {
			return fmt.Errorf("roads: walking-graph blob: barrier edge %d has bad kinds %#x", out.barrierEdges[i], uint8(k))
		}
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return errors.New("roads: walking-graph blob has trailing bytes")
	}
	out.coords = make([]orb.Point, n)
	for i := range out.coords {
		p := orb.Point{flat[2*i], flat[2*i+1]}
		if !(math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90) {
			return fmt.Errorf("roads: walking-graph blob: node %d at invalid position %v", i, p)
		}
		out.coords[i] = p
	}
	var total int64
	for c, s := range out.compSize {
		if s <= 0 || (c > 0 && s > out.compSize[c-1]) {
			return fmt.Errorf("roads: walking-graph blob: component %d has bad size %d", c, s)
		}
		total += int64(s)
	}
	if total != int64(n) {
		return fmt.Errorf("roads: walking-graph blob: component sizes sum to %d, want %d nodes", total, n)
	}
	count := make([]int32, nc)
	for i, c := range out.comp {
		if c < 0 || uint64(c) >= nc {
			return fmt.Errorf("roads: walking-graph blob: node %d in unknown component %d", i, c)
		}
		count[c]++
	}
	for c := range count {
		if count[c] != out.compSize[c] {
			return fmt.Errorf("roads: walking-graph blob: component %d has %d nodes, header says %d", c, count[c], out.compSize[c])
		}
	}
	for e := range out.edgeU {
		a, b, l := out.edgeU[e], out.edgeV[e], out.edgeLen[e]
		switch {
		case a < 0 || b < 0 || uint64(a) >= n || uint64(b) >= n || a >= b:
			return fmt.Errorf("roads: walking-graph blob: edge %d joins bad nodes %d–%d", e, a, b)
		case !(l >= 0) || math.IsInf(float64(l), 1):
			return fmt.Errorf("roads: walking-graph blob: edge %d has bad length %v", e, l)
		case out.comp[a] != out.comp[b]:
			return fmt.Errorf("roads: walking-graph blob: edge %d crosses components", e)
		}
	}
	out.buildCSR()
	*g = out
	return nil
}
